package store

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/sluice-ot/sluice/kiosk/api"
)

func TestAPIStore(t *testing.T) {
	f := newFixture(t)
	a := APIStore{f.s}
	if l := a.Rules(); l.Active != nil || len(l.Bundles) != 0 || !l.Stale {
		t.Errorf("Rules() on an empty store = %+v", l)
	}
	v2 := f.build(t, 2, nil)
	if b, err := a.ImportRules(v2, "root"); err != nil || b.Version != 2 || !b.Active {
		t.Fatalf("ImportRules(v2) = %+v, %v", b, err)
	}
	for _, tt := range []struct {
		name string
		err  func() error
		want error
	}{
		{"equal", func() error { _, err := a.ImportRules(v2, "root"); return err }, api.ErrRulesInstalled},
		{"downgrade", func() error { _, err := a.ImportRules(f.build(t, 1, nil), "root"); return err }, api.ErrRulesDowngrade},
		{"missing", func() error { _, err := a.ImportRules(filepath.Join(f.work, "no.tar"), "root"); return err }, api.ErrInvalid},
		{"unknown version", func() error { _, err := a.RollbackRules(5, "root"); return err }, api.ErrRulesNotKept},
	} {
		if err := tt.err(); !errors.Is(err, tt.want) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.want)
		}
	}
	l := a.Rules()
	if l.Active == nil || l.Active.Version != 2 || len(l.Bundles) != 1 || l.Stale || l.Bundles[0].InstalledBy != "root" {
		t.Errorf("Rules() = %+v", l)
	}
}
