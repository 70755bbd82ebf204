package engines

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/sluice-ot/sluice/scanner"
)

func TestLoad(t *testing.T) {
	set, err := Load(Options{HashCache: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	if !regexp.MustCompile(`^sources-sha256:[0-9a-f]{16} \(\d+ rules in \d+ files\)$`).MatchString(set.Version()) {
		t.Errorf("Version() = %q", set.Version())
	}
	var cfg scanner.Config
	set.Configure(&cfg)
	if len(cfg.Engines) != 1 || cfg.Engines[0].Name() != "yara" {
		t.Errorf("Configure: engines = %v", cfg.Engines)
	}

	// The same sources give the same id; other sources another one.
	again, err := Load(Options{HashCache: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.yar"), []byte(`rule x { condition: false }`), 0o644)
	more, err := Load(Options{Rules: []string{dir}, WithDefaults: true, HashCache: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer more.Close()
	if again.RuleSet != set.RuleSet || more.RuleSet == set.RuleSet {
		t.Errorf("rule set ids: %s, %s, %s; want the first two equal, the third different", set.RuleSet, again.RuleSet, more.RuleSet)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(Options{Rules: []string{"/nonexistent/rules"}}); !errors.Is(err, ErrRules) {
		t.Errorf("Load(missing rules) = %v, want ErrRules", err)
	}
	if _, err := Load(Options{BlockHashes: []string{"/nonexistent/list"}, HashCache: t.TempDir()}); !errors.Is(err, ErrHashLists) {
		t.Errorf("Load(missing list) = %v, want ErrHashLists", err)
	}
}
