package scanner

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
)

// entry is one regular file found by the walk, to be read into the spool.
type entry struct {
	root    string // the root as given
	rel     string // slash-separated path below root
	display string // root joined with rel
	abs     string // path to open
	size    int64  // size at walk time, for progress; reading re-checks
	kind    string // "" for regular files
}

// SkipFunc says whether the regular file at rel (slash-separated, below
// root) of size bytes is not a file at all but an artefact of how the
// tree is presented, to be left out of the scan entirely.
type SkipFunc func(root, rel string, size int64) bool

// walker lists a tree without following symlinks. Entries that cannot be
// scanned (links, devices, limits) become blocked results straight away.
type walker struct {
	// ctx stops the walk: a drive pulled out, a cancel, the station
	// stopping must not wait for a huge tree to be listed.
	ctx     context.Context
	lim     Limits
	skip    SkipFunc
	count   int
	stopped bool
	files   []entry
	refused []*Result
}

// walk lists every root. An unreadable root is an error: the scan could
// not run. Everything below a root that goes wrong is a result instead.
func walk(ctx context.Context, roots []string, lim Limits, skip SkipFunc) (*walker, error) {
	w := &walker{ctx: ctx, lim: lim, skip: skip}
	for _, root := range roots {
		// The root itself is followed, as the user named it; nothing below.
		fi, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", root, err)
		}
		switch {
		case fi.Mode().IsRegular():
			w.addFile(entry{root: root, rel: filepath.Base(root), display: root, abs: root, size: fi.Size()})
		case fi.IsDir():
			w.dir(root, root, "", 0)
		default:
			w.refuse(entry{root: root, rel: filepath.Base(root), display: root, kind: kindOf(fi.Mode())},
				"walk", kindOf(fi.Mode()), "not a regular file; never read")
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *walker) dir(root, abs, rel string, depth int) {
	ents, err := os.ReadDir(abs)
	if err != nil {
		e := w.entryFor(root, rel)
		e.kind = "directory"
		w.refuseVerdict(e, Error, "walk", "unreadable-directory", err.Error())
		// os.ReadDir returns what it read before the error; scan that too.
	}
	for _, de := range ents {
		if w.stopped || w.ctx.Err() != nil {
			return
		}
		childRel := path.Join(rel, de.Name())
		e := w.entryFor(root, childRel)
		w.count++
		if w.count > w.lim.MaxFiles {
			w.stopped = true
			e.kind = kindOf(de.Type())
			w.refuse(e, "walk", "file-count-limit",
				"more than "+strconv.Itoa(w.lim.MaxFiles)+" entries; this and everything after it was not scanned")
			return
		}
		if len(childRel) > w.lim.MaxPathLen {
			e.kind = kindOf(de.Type())
			w.refuse(e, "walk", "path-length-limit",
				"path longer than "+strconv.Itoa(w.lim.MaxPathLen)+" bytes; not scanned")
			continue
		}
		t := de.Type()
		switch {
		case t.IsDir():
			if depth+1 > w.lim.MaxDepth {
				e.kind = "directory"
				w.refuse(e, "walk", "depth-limit",
					"folders nested deeper than "+strconv.Itoa(w.lim.MaxDepth)+"; contents not scanned")
				continue
			}
			w.dir(root, e.abs, childRel, depth+1)
		case t.IsRegular():
			info, err := de.Info()
			if err != nil {
				w.refuseVerdict(e, Error, "walk", "unreadable", err.Error())
				continue
			}
			e.size = info.Size()
			if w.skip != nil && w.skip(root, childRel, e.size) {
				continue
			}
			w.addFile(e)
		default:
			e.kind = kindOf(t)
			w.refuse(e, "walk", e.kind, "not a regular file; never followed or read")
		}
	}
}

func (w *walker) entryFor(root, rel string) entry {
	abs := filepath.Join(root, filepath.FromSlash(rel))
	return entry{root: root, rel: rel, display: abs, abs: abs}
}

func (w *walker) addFile(e entry) { w.files = append(w.files, e) }

func (w *walker) refuse(e entry, engine, rule, detail string) {
	w.refuseVerdict(e, Blocked, engine, rule, detail)
}

func (w *walker) refuseVerdict(e entry, v Verdict, engine, rule, detail string) {
	r := newResult(e)
	r.settle([]Finding{{Engine: engine, Rule: rule, Detail: detail, Verdict: v}}, 1)
	w.refused = append(w.refused, r)
}

func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m.IsDir():
		return "directory"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeNamedPipe != 0:
		return "fifo"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m.IsRegular():
		return ""
	}
	return "other"
}
