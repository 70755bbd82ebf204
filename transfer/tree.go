package transfer

import (
	"fmt"
	"sort"
)

// node is one component of the original (drive) paths added to a staging.
// Final names are chosen only at Publish, from the whole tree, so that
// they do not depend on the order of Adds.
type node struct {
	parent *node
	orig   string
	kids   map[string]*node // nil for a file
	file   int              // index in Staging.files, once copied
	blob   string           // where the copy waits in the staging
	name   string           // final name, set by resolve
}

// insert adds a file at the original path comps, creating directory nodes
// on the way. A path added twice, or used both as a file and as a
// directory, is ErrDuplicate.
func (n *node) insert(comps []string) (*node, error) {
	for i, c := range comps {
		kid, ok := n.kids[c]
		last := i == len(comps)-1
		switch {
		case ok && (last || kid.kids == nil):
			return nil, ErrDuplicate
		case ok:
			n = kid
			continue
		}
		kid = &node{parent: n, orig: c, file: -1}
		if !last {
			kid.kids = map[string]*node{}
		}
		n.kids[c] = kid
		n = kid
	}
	return n, nil
}

// remove takes a file node out of the tree, with the directories that held
// nothing else.
func (n *node) remove() {
	for n.parent != nil {
		delete(n.parent.kids, n.orig)
		if len(n.parent.kids) > 0 {
			return
		}
		n = n.parent
	}
}

// resolve gives every child of the directory n its final name, then
// recurses. Children are taken in byte order of their original names, in
// two passes: first those whose original name was already safe keep it
// (unless it collides case-insensitively with an earlier one), then the
// others get their safe name, or the first free "name (k).ext" with
// k = 2, 3, ... A name is taken when its foldKey is; ".sluice" is always
// taken at the root.
func (n *node) resolve(root bool) error {
	kids := make([]*node, 0, len(n.kids))
	for _, k := range n.kids {
		kids = append(kids, k)
	}
	sort.Slice(kids, func(i, j int) bool { return kids[i].orig < kids[j].orig })
	taken := make(map[string]bool, len(kids)+1)
	if root {
		taken[foldKey(metaDir)] = true
	}
	for _, k := range kids {
		if safe := SafeName(k.orig); safe == k.orig && !taken[foldKey(safe)] {
			k.name = safe
			taken[foldKey(safe)] = true
		}
	}
	for _, k := range kids {
		if k.name != "" {
			continue
		}
		base := SafeName(k.orig)
		name := base
		for i := 2; taken[foldKey(name)]; i++ {
			if i > len(kids)+2 {
				return fmt.Errorf("no free name for %q", k.orig)
			}
			name = withSuffix(base, i)
		}
		k.name = name
		taken[foldKey(name)] = true
	}
	for _, k := range kids {
		if k.kids != nil {
			if err := k.resolve(false); err != nil {
				return err
			}
		}
	}
	return nil
}

// walk calls fn for every node below n, parents before children, each
// with its final path.
func (n *node) walk(prefix string, fn func(k *node, path string) error) error {
	names := make([]string, 0, len(n.kids))
	for o := range n.kids {
		names = append(names, o)
	}
	sort.Strings(names)
	for _, o := range names {
		k := n.kids[o]
		p := k.name
		if prefix != "" {
			p = prefix + "/" + k.name
		}
		if err := fn(k, p); err != nil {
			return err
		}
		if k.kids != nil {
			if err := k.walk(p, fn); err != nil {
				return err
			}
		}
	}
	return nil
}
