// Package engines builds the inspection engines a scan runs with, from
// rule files, the built-in rules and hash lists, for the CLI and the
// station daemon alike. It links libyara (through scanner/yara).
package engines

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/sluice-ot/sluice/rules/builtin"
	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/hashdb"
	"github.com/sluice-ot/sluice/scanner/yara"
)

// Options say what to load.
type Options struct {
	// Rules are .yar/.yara files or folders. With none, or with
	// WithDefaults, the built-in rules load too.
	Rules        []string
	WithDefaults bool
	BlockHashes  []string
	AllowHashes  []string
	// HashCache is where compiled hash tables are kept between runs.
	HashCache string
	// Timeout is YARA's per-file limit.
	Timeout time.Duration
}

// Set is a loaded set of engines. Close frees it.
type Set struct {
	Rules       *yara.Rules
	YARA        *yara.Engine
	Block       []*hashdb.List
	Allow       []*hashdb.List
	HashRejects []HashReject
	// RuleSet identifies the rule sources by a digest of their contents,
	// so that a manifest or a report says exactly which rules judged.
	RuleSet string
}

// HashReject is a bad line of a hash list.
type HashReject struct {
	File string
	hashdb.LineError
}

// Errors callers branch on with errors.Is, to give the right hint.
var (
	ErrRules     = errors.New("rules could not be loaded")
	ErrHashLists = errors.New("a hash list could not be loaded")
)

// kindError tags err with one of the sentinels above without changing its
// text, which already says what failed.
type kindError struct{ kind, err error }

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }
func tag(kind, err error) error      { return &kindError{kind, err} }

// Load compiles the rules and loads the hash lists. A rule file that does
// not compile is rejected on its own (see Rules.Rejects); Load fails only
// when no rule at all loads, or a path is missing.
func Load(o Options) (*Set, error) {
	var srcs []yara.Source
	if len(o.Rules) == 0 || o.WithDefaults {
		for _, b := range builtin.Files() {
			srcs = append(srcs, yara.Source{Name: "builtin/" + b.Name, Data: b.Data})
		}
	}
	if len(o.Rules) > 0 {
		user, err := yara.LoadPaths(o.Rules)
		if err != nil {
			return nil, tag(ErrRules, err)
		}
		if len(user) == 0 {
			return nil, tag(ErrRules, fmt.Errorf("no .yar or .yara files in %v", o.Rules))
		}
		srcs = append(srcs, user...)
	}
	rules, err := yara.Compile(srcs)
	if err != nil {
		return nil, tag(ErrRules, err)
	}
	s := &Set{Rules: rules, RuleSet: sourcesID(srcs)}
	if s.YARA, err = yara.NewEngine(rules, yara.Options{Timeout: o.Timeout}); err != nil {
		s.Close()
		return nil, err
	}
	if s.Block, err = s.loadLists(o.BlockHashes, o.HashCache); err != nil {
		s.Close()
		return nil, err
	}
	if s.Allow, err = s.loadLists(o.AllowHashes, o.HashCache); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Set) loadLists(files []string, cache string) ([]*hashdb.List, error) {
	var lists []*hashdb.List
	for _, file := range files {
		l, bad, err := hashdb.Load(filepath.Base(file), file, cache)
		if err != nil {
			for _, l := range lists {
				l.Close()
			}
			return nil, tag(ErrHashLists, err)
		}
		for _, b := range bad {
			s.HashRejects = append(s.HashRejects, HashReject{File: file, LineError: b})
		}
		lists = append(lists, l)
	}
	return lists, nil
}

// Configure puts the engines and lists into a scanner configuration.
func (s *Set) Configure(cfg *scanner.Config) {
	cfg.Engines = append(cfg.Engines, s.YARA)
	cfg.Blocklists = append(cfg.Blocklists, s.Block...)
	cfg.Allowlists = append(cfg.Allowlists, s.Allow...)
	cfg.NeedMD5 = cfg.NeedMD5 || s.Rules.UsesMD5()
}

// Close frees the engines and unmaps the lists.
func (s *Set) Close() {
	if s.YARA != nil {
		s.YARA.Close()
	}
	if s.Rules != nil {
		s.Rules.Close()
	}
	for _, l := range append(s.Block, s.Allow...) {
		l.Close()
	}
}

// Version describes the rules for manifests and status:
// "sources-sha256:0123456789abcdef (17 rules in 5 files)".
func (s *Set) Version() string {
	return fmt.Sprintf("%s (%d rules in %d files)", s.RuleSet, s.Rules.Count(), s.Rules.Files())
}

func sourcesID(srcs []yara.Source) string {
	sorted := append([]yara.Source(nil), srcs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	h := sha256.New()
	for _, s := range sorted {
		fmt.Fprintf(h, "%s\x00%d\x00", s.Name, len(s.Data))
		h.Write(s.Data)
	}
	return "sources-sha256:" + hex.EncodeToString(h.Sum(nil))[:16]
}
