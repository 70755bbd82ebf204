package kiosk

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/kiosk/config"
	"github.com/sluice-ot/sluice/rules/bundle"
	"github.com/sluice-ot/sluice/rules/store"
)

// ruleFixture is a real rule store with a trusted admin key.
type ruleFixture struct {
	t    *testing.T
	dir  string
	priv minisign.PrivateKey
	s    *store.Store
}

func newRuleFixture(t *testing.T) *ruleFixture {
	t.Helper()
	pub, priv, err := minisign.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "rules")
	s, err := store.Open(dir, []minisign.PublicKey{pub}, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &ruleFixture{t: t, dir: dir, priv: priv, s: s}
}

// bundle builds and signs a one-rule bundle of version v.
func (f *ruleFixture) bundle(v int) string {
	f.t.Helper()
	src := f.t.TempDir()
	rule := filepath.Join(src, "r.yar")
	if err := os.WriteFile(rule, []byte("rule Marker { strings: $a = \"marker\" condition: $a }\n"), 0o644); err != nil {
		f.t.Fatal(err)
	}
	out := filepath.Join(src, "b.tar")
	if _, err := bundle.Build(bundle.BuildOptions{Name: "plant-rules", Version: v, YARA: []string{rule}}, out); err != nil {
		f.t.Fatal(err)
	}
	if err := bundle.Sign(out, f.priv); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *ruleFixture) active() int {
	in, ok := f.s.Active()
	if !ok {
		return 0
	}
	return in.Version
}

// damage makes the stored copy of version v fail its signature check, as
// a disk error or a tampered state directory would.
func (f *ruleFixture) damage(v int) {
	f.t.Helper()
	for _, in := range f.s.List() {
		if in.Version == v {
			p := filepath.Join(in.Dir, "bundle.tar")
			fh, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				f.t.Fatal(err)
			}
			fh.WriteString("junk")
			fh.Close()
			return
		}
	}
	f.t.Fatalf("version %d not kept", v)
}

func (f *ruleFixture) source() *ruleSource {
	cfg := config.Config{StateDir: f.t.TempDir()}
	cfg.Scan.Timeout.Duration = 10 * time.Second
	return &ruleSource{cfg: cfg, store: f.s, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// An import whose engines cannot be built leaves the version that was
// active in place, so that the store never calls active what the station
// does not scan with.
func TestSwapFailureRestoresPrevious(t *testing.T) {
	f := newRuleFixture(t)
	ok := swappingStore{store.APIStore{S: f.s}, func() error { return nil }, &sync.Mutex{}}
	if _, err := ok.ImportRules(f.bundle(1), "admin"); err != nil {
		t.Fatal(err)
	}
	swapErr := errors.New("out of memory")
	failing := swappingStore{store.APIStore{S: f.s}, func() error { return swapErr }, &sync.Mutex{}}
	_, err := failing.ImportRules(f.bundle(2), "admin")
	if !errors.Is(err, swapErr) || !strings.Contains(err.Error(), "version 1 is active again") {
		t.Errorf("ImportRules with a failing swap = %v; want the swap error and version 1 restored", err)
	}
	if got := f.active(); got != 1 {
		t.Errorf("active version after a failed swap = %d, want 1", got)
	}
	// The same for a rollback: back to 2 works on disk, fails to load,
	// and 1 stays active.
	if _, err := failing.RollbackRules(2, "admin"); !errors.Is(err, swapErr) {
		t.Errorf("RollbackRules with a failing swap = %v", err)
	}
	if got := f.active(); got != 1 {
		t.Errorf("active version after a failed rollback swap = %d, want 1", got)
	}
}

// With nothing to go back to, the import stays installed and the error
// says it does not load.
func TestSwapFailureFirstImport(t *testing.T) {
	f := newRuleFixture(t)
	failing := swappingStore{store.APIStore{S: f.s}, func() error { return errors.New("boom") }, &sync.Mutex{}}
	_, err := failing.ImportRules(f.bundle(1), "admin")
	if err == nil || !strings.Contains(err.Error(), "does not load") {
		t.Errorf("ImportRules = %v, want a does-not-load error", err)
	}
}

// At start, an active bundle that no longer loads gives way to the newest
// kept one below it, through a rollback; never to one above it.
func TestBuildAtStartFallsBack(t *testing.T) {
	f := newRuleFixture(t)
	for v := 1; v <= 4; v++ {
		if _, err := f.s.Import(f.bundle(v), "admin"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.s.Rollback(3, "admin"); err != nil {
		t.Fatal(err)
	}
	f.damage(3)
	f.damage(2)
	set, info, err := f.source().buildAtStart()
	if err != nil {
		t.Fatalf("buildAtStart = %v, want a fallback to version 1", err)
	}
	defer set.Close()
	if info.Version != "1" || f.active() != 1 {
		t.Errorf("started with %s, store active %d; want 1 and 1 (4 is above the active 3, 2 is damaged)", info.Version, f.active())
	}
}

// With no bundle that loads, the station does not start on unsigned
// rules.
func TestBuildAtStartNoFallback(t *testing.T) {
	f := newRuleFixture(t)
	for v := 1; v <= 2; v++ {
		if _, err := f.s.Import(f.bundle(v), "admin"); err != nil {
			t.Fatal(err)
		}
	}
	f.damage(2)
	f.damage(1)
	if set, _, err := f.source().buildAtStart(); err == nil {
		set.Close()
		t.Fatal("buildAtStart succeeded with every bundle damaged")
	}
}
