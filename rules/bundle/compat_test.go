package bundle

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/scanner/yara"
)

// Public rule sets must go through the whole chain: build (rejects
// listed), sign, Open, and compile on the station side. The figures
// logged here are recorded in docs/PERFORMANCE.md, "Rule bundles".

func TestCompatSignatureBase(t *testing.T) {
	root := testenv.SharedPath(t, "rulesets/signature-base")
	compat(t, "signature-base", BuildOptions{
		YARA:  []string{filepath.Join(root, "yara")},
		Block: []string{filepath.Join(root, "iocs", "hash-iocs.txt")},
	})
}

func TestCompatReversingLabs(t *testing.T) {
	root := testenv.SharedPath(t, "rulesets/reversinglabs")
	compat(t, "reversinglabs", BuildOptions{YARA: []string{filepath.Join(root, "yara")}})
}

func compat(t *testing.T, name string, opts BuildOptions) {
	pub, priv := testKeys(t)
	opts.Name, opts.Version, opts.Now = name, 1, fixedNow
	out := filepath.Join(t.TempDir(), name+".tar")

	start := time.Now()
	rep, err := Build(opts, out)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	buildTime := time.Since(start)
	for _, r := range rep.Rejects {
		t.Logf("reject %s: %s", r.File, r.Message)
	}
	for _, l := range rep.BadLines {
		t.Logf("bad line %s: %v", l.File, l.LineError)
	}
	start = time.Now()
	must(t, Sign(out, priv))
	signTime := time.Since(start)

	start = time.Now()
	b, err := Open(out, []minisign.PublicKey{pub}, testNow)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer b.Close()
	openTime := time.Since(start)

	start = time.Now()
	srcs, err := b.YARA()
	must(t, err)
	rules, err := yara.Compile(srcs)
	if err != nil {
		t.Fatalf("Compile(bundle): %v", err)
	}
	defer rules.Close()
	compileTime := time.Since(start)
	if len(rules.Rejects()) != 0 || rules.Count() != b.Counts.Rules || rules.Files() != b.Counts.RuleFiles {
		t.Errorf("bundle compiles to %d files, %d rules, %d rejects; bundle.json says %d files, %d rules",
			rules.Files(), rules.Count(), len(rules.Rejects()), b.Counts.RuleFiles, b.Counts.Rules)
	}
	var src int64
	for _, m := range b.Contents {
		src += m.Size
	}
	fi, err := os.Stat(out)
	must(t, err)
	t.Logf("%s: %d rule files (%d rejected), %d rules, %d block entries (%d bad lines); members %d bytes, tar %d bytes; build %v, sign %v, open+verify %v, compile %v",
		name, b.Counts.RuleFiles, len(rep.Rejects), b.Counts.Rules, b.Counts.BlockEntries, len(rep.BadLines), src, fi.Size(),
		buildTime.Round(time.Millisecond), signTime.Round(time.Millisecond), openTime.Round(time.Millisecond), compileTime.Round(time.Millisecond))
}
