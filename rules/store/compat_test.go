package store

import (
	"path/filepath"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/rules/bundle"
)

// The real rule sets, built into bundles as an admin would, import on the
// station and give working engines. The timings go to docs/PERFORMANCE.md.
func TestCompatImport(t *testing.T) {
	sets := []struct {
		name  string
		yara  string
		block []string
	}{
		{"signature-base", testenv.SharedPath(t, "rulesets/signature-base/yara"), []string{testenv.SharedPath(t, "rulesets/signature-base/iocs/hash-iocs.txt")}},
		{"reversinglabs", testenv.SharedPath(t, "rulesets/reversinglabs"), nil},
	}
	pub, key, err := minisign.GenerateKey(nil)
	must(t, err)
	for _, set := range sets {
		dir := t.TempDir()
		tarPath := filepath.Join(dir, set.name+".tar")
		start := time.Now()
		rep, err := bundle.Build(bundle.BuildOptions{Name: set.name, Version: 1, YARA: []string{set.yara}, Block: set.block}, tarPath)
		must(t, err)
		built := time.Since(start)
		must(t, bundle.Sign(tarPath, key))

		s, err := Open(filepath.Join(dir, "store"), []minisign.PublicKey{pub}, Options{Auditor: &auditBuf{}})
		must(t, err)
		start = time.Now()
		res, err := s.Import(tarPath, "test")
		if err != nil || res.Outcome != "installed" {
			t.Fatalf("%s: Import = %+v, %v", set.name, res, err)
		}
		imported := time.Since(start)
		start = time.Now()
		eng, in, err := s.Engines(time.Minute)
		must(t, err)
		loaded := time.Since(start)
		if in.Version != 1 || eng.Rules.Count() < 1000 {
			t.Errorf("%s: engines from version %d with %d rules", set.name, in.Version, eng.Rules.Count())
		}
		eng.Close()
		t.Logf("%s: %d rejects; bundle %d bytes; build %v, import %v, engines from the store %v",
			set.name, len(rep.Rejects), rep.Size, built.Round(time.Millisecond), imported.Round(time.Millisecond), loaded.Round(time.Millisecond))
	}
}
