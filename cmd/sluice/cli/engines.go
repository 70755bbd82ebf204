package cli

import (
	"fmt"
	"io"

	"github.com/sluice-ot/sluice/rules/builtin"
	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/hashdb"
	"github.com/sluice-ot/sluice/scanner/yara"
)

// engines is what a scan inspects with, loaded from the flags.
type engines struct {
	rules        *yara.Rules
	yara         *yara.Engine
	engines      []scanner.Engine
	block, allow []*hashdb.List
	needMD5      bool
	hashRejected int
	ruleSet      string // identifies the rule sources, for manifests
}

func (e *engines) close() {
	if e.yara != nil {
		e.yara.Close()
	}
	if e.rules != nil {
		e.rules.Close()
	}
	for _, l := range append(e.block, e.allow...) {
		l.Close()
	}
}

// loadEngines compiles the rules and loads the hash lists the flags name.
// A rule file that does not compile is rejected on its own, with a warning;
// only when no rule at all loads is it an error.
func loadEngines(f *scanFlags, stderr io.Writer) (*engines, error) {
	var srcs []yara.Source
	if len(f.rules) == 0 || f.withDefaults {
		for _, b := range builtin.Files() {
			srcs = append(srcs, yara.Source{Name: "builtin/" + b.Name, Data: b.Data})
		}
	}
	if len(f.rules) > 0 {
		user, err := yara.LoadPaths(f.rules)
		if err != nil {
			return nil, wrapUserErr(err, "check the --rules path")
		}
		if len(user) == 0 {
			return nil, userErr("no .yar or .yara files under "+f.rules.String(), "check the --rules path")
		}
		srcs = append(srcs, user...)
	}
	rules, err := yara.Compile(srcs)
	if err != nil {
		return nil, wrapUserErr(err, "fix the rule files or leave out --rules to use the built-in rules")
	}
	e := &engines{rules: rules, needMD5: rules.UsesMD5(), ruleSet: ruleSetID(srcs)}
	for _, r := range rules.Rejects() {
		fmt.Fprintf(stderr, "sluice: warning: rule file %s rejected: %s\n", printable(r.File), printable(r.Message))
	}
	e.yara, err = yara.NewEngine(rules, yara.Options{Timeout: f.timeout})
	if err != nil {
		e.close()
		return nil, err
	}
	e.engines = []scanner.Engine{e.yara}

	cache := hashCacheDir(f.spool)
	var n int
	if e.block, n, err = loadHashLists(f.block, cache, stderr); err != nil {
		e.close()
		return nil, err
	}
	e.hashRejected += n
	if e.allow, n, err = loadHashLists(f.allow, cache, stderr); err != nil {
		e.close()
		return nil, err
	}
	e.hashRejected += n
	return e, nil
}
