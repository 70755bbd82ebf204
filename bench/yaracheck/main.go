// Command yaracheck compares the YARA rules sluice reports for each file
// with those the yara CLI prints for it, for bench/run.sh:
//
//	yaracheck -root CORPUS -sluice scan.jsonl -yara yara.txt -rules RULES
//
// Only findings on a file itself count: sluice also scans inside archives
// (findings with a member), which the yara CLI does not. Rules whose
// condition reads an external variable (filename, extension, ...) may
// rightly differ, since sluice sets them per file and the CLI leaves them
// empty; such differences are listed apart and do not fail the check.
//
// With -rejects, it prints instead the rule files sluice rejected, one per
// line, from the summary line of scan.jsonl.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

func main() {
	root := flag.String("root", "", "the scanned `folder`, as given to both tools")
	sluice := flag.String("sluice", "", "sluice scan --json `output`")
	yaraOut := flag.String("yara", "", "yara CLI `output` (RULE PATH lines)")
	rules := flag.String("rules", "", "the rule `folder or file` both used")
	rejects := flag.Bool("rejects", false, "print the rule files sluice rejected and exit")
	flag.Parse()
	var err error
	status := 0
	if *rejects {
		err = printRejects(*sluice)
	} else {
		status, err = check(*root, *sluice, *yaraOut, *rules)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "yaracheck:", err)
		os.Exit(2)
	}
	os.Exit(status)
}

type line struct {
	Path     string `json:"path"`
	Findings []struct {
		Engine, Rule, Member string
	} `json:"findings"`
	Summary *struct {
		Rejected []struct{ File string } `json:"rejected_rule_files"`
	} `json:"summary"`
}

func readLines(name string, each func(l *line) error) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(nil, 16<<20)
	for s.Scan() {
		var l line
		if err := json.Unmarshal(s.Bytes(), &l); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := each(&l); err != nil {
			return err
		}
	}
	return s.Err()
}

func printRejects(name string) error {
	return readLines(name, func(l *line) error {
		if l.Summary != nil {
			for _, r := range l.Summary.Rejected {
				fmt.Println(r.File)
			}
		}
		return nil
	})
}

type set map[string]bool

func (s set) sorted() []string { return slices.Sorted(maps.Keys(s)) }

func check(root, sluiceOut, yaraOut, rules string) (int, error) {
	rel := func(p string) string {
		r, err := filepath.Rel(root, p)
		if err != nil {
			return p
		}
		return r
	}
	bySluice := map[string]set{}
	truncated := 0
	err := readLines(sluiceOut, func(l *line) error {
		if l.Summary != nil {
			return nil
		}
		s := set{}
		for _, f := range l.Findings {
			if f.Engine == "scanner" && f.Rule == "more-findings" {
				truncated++
				return nil // the list is cut short: no fair comparison
			}
			if f.Engine == "yara" && f.Member == "" {
				s[f.Rule] = true
			}
		}
		bySluice[rel(l.Path)] = s
		return nil
	})
	if err != nil {
		return 0, err
	}

	byYara := map[string]set{}
	data, err := os.ReadFile(yaraOut)
	if err != nil {
		return 0, err
	}
	for _, ln := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		rule, p, ok := strings.Cut(ln, " ")
		if !ok {
			continue
		}
		p = rel(p)
		if byYara[p] == nil {
			byYara[p] = set{}
		}
		byYara[p][rule] = true
	}

	ext, err := externalRules(rules)
	if err != nil {
		return 0, err
	}
	var bad, explained []string
	hits := 0
	for p, ss := range bySluice {
		ys := byYara[p]
		if len(ys) > 0 {
			hits++
		}
		var onlyS, onlyY []string
		for r := range ss {
			if !ys[r] {
				onlyS = append(onlyS, r)
			}
		}
		for r := range ys {
			if !ss[r] {
				onlyY = append(onlyY, r)
			}
		}
		if len(onlyS)+len(onlyY) == 0 {
			continue
		}
		slices.Sort(onlyS)
		slices.Sort(onlyY)
		msg := fmt.Sprintf("%s: only sluice %v, only yara %v", p, onlyS, onlyY)
		if allIn(onlyS, ext) && allIn(onlyY, ext) {
			explained = append(explained, msg)
		} else {
			bad = append(bad, msg)
		}
	}
	for p := range byYara {
		if _, ok := bySluice[p]; !ok {
			bad = append(bad, fmt.Sprintf("%s: yara reports %v, sluice has no result for the file", p, byYara[p].sorted()))
		}
	}
	slices.Sort(bad)
	slices.Sort(explained)
	fmt.Printf("compared %d files (%d with yara CLI matches, %d skipped with truncated findings): %d mismatches, %d explained by external variables\n",
		len(bySluice), hits, truncated, len(bad), len(explained))
	for i, m := range bad {
		if i == 20 {
			fmt.Printf("  ... and %d more\n", len(bad)-20)
			break
		}
		fmt.Println("  MISMATCH", m)
	}
	for i, m := range explained {
		if i == 5 {
			break
		}
		fmt.Println("  external", m)
	}
	if len(bad) > 0 {
		return 1, nil
	}
	return 0, nil
}

func allIn(names []string, s set) bool {
	for _, n := range names {
		if !s[n] {
			return false
		}
	}
	return true
}

var (
	ruleStart = regexp.MustCompile(`(?m)^\s*(?:(?:private|global)\s+)*rule\s+(\w+)`)
	// An external variable as a bare identifier: not $x, #x, @x, !x or m.x.
	externalUse = regexp.MustCompile(`(?:^|[^\w$#@!.])(filename|filepath|extension|filetype|md5|owner|group|id|filemode|unpack_parent|unpack_source)\b`)
	comment     = regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*`)
)

// externalRules names the rules whose condition reads an external
// variable. The check is lexical, which is enough to explain differences.
func externalRules(root string) (set, error) {
	out := set{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yar") && !strings.HasSuffix(p, ".yara") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		text := comment.ReplaceAllString(string(data), "")
		starts := ruleStart.FindAllStringSubmatchIndex(text, -1)
		for i, s := range starts {
			end := len(text)
			if i+1 < len(starts) {
				end = starts[i+1][0]
			}
			body := text[s[1]:end]
			if _, cond, ok := strings.Cut(body, "condition:"); ok && externalUse.MatchString(cond) {
				out[text[s[2]:s[3]]] = true
			}
		}
		return nil
	})
	return out, err
}
