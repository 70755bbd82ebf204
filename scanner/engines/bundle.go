package engines

import (
	"fmt"
	"time"

	"github.com/sluice-ot/sluice/rules/builtin"
	"github.com/sluice-ot/sluice/scanner/hashdb"
	"github.com/sluice-ot/sluice/scanner/yara"
)

// LoadBundle builds the engines of an installed rule bundle: the built-in
// rules together with the bundle's rule sources, and the hash tables the
// station compiled from its lists on import. Unlike Load it fails closed:
// a rule source that does not compile here fails the whole set, since the
// bundle compiled when it was imported and anything else means the
// sources or libyara changed since.
func LoadBundle(srcs []yara.Source, blockTables, allowTables []string, timeout time.Duration) (*Set, error) {
	var all []yara.Source
	for _, b := range builtin.Files() {
		all = append(all, yara.Source{Name: "builtin/" + b.Name, Data: b.Data})
	}
	all = append(all, srcs...)
	rules, err := yara.Compile(all)
	if err != nil {
		return nil, tag(ErrRules, err)
	}
	s := &Set{Rules: rules, RuleSet: sourcesID(all)}
	if rej := rules.Rejects(); len(rej) > 0 {
		s.Close()
		return nil, tag(ErrRules, fmt.Errorf("compile bundle rules: %d files rejected, first %s", len(rej), rej[0]))
	}
	if s.YARA, err = yara.NewEngine(rules, yara.Options{Timeout: timeout}); err != nil {
		s.Close()
		return nil, err
	}
	if s.Block, err = openTables(blockTables); err != nil {
		s.Close()
		return nil, err
	}
	if s.Allow, err = openTables(allowTables); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openTables(paths []string) ([]*hashdb.List, error) {
	var lists []*hashdb.List
	for _, p := range paths {
		l, err := hashdb.Open(p)
		if err != nil {
			for _, l := range lists {
				l.Close()
			}
			return nil, tag(ErrHashLists, err)
		}
		lists = append(lists, l)
	}
	return lists, nil
}
