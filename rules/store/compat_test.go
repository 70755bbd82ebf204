package store

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/rules/bundle"
	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/engines"
	"github.com/sluice-ot/sluice/scanner/hashdb"
)

// The real rule sets, built into bundles as an admin would, import on the
// station and give engines that scan: the hash tables find the list's
// digests, and the YARA engine matches a rule of the set. The timings go
// to docs/PERFORMANCE.md.
func TestCompatImport(t *testing.T) {
	sets := []struct {
		name  string
		yara  string
		block []string
		// scan checks the engines built from the imported bundle.
		scan func(t *testing.T, eng *engines.Set)
	}{
		{
			name:  "signature-base",
			yara:  testenv.SharedPath(t, "rulesets/signature-base/yara"),
			block: []string{testenv.SharedPath(t, "rulesets/signature-base/iocs/hash-iocs.txt")},
			scan: func(t *testing.T, eng *engines.Set) {
				checkBlockTables(t, eng, testenv.SharedPath(t, "rulesets/signature-base/iocs/hash-iocs.txt"))
				// signature-base's own EICAR rule, not only the built-in one.
				eicar := []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)
				checkMatch(t, eng, scanFile(t, eng, "eicar.com", eicar), "SUSP_Just_EICAR")
			},
		},
		{
			name: "reversinglabs",
			yara: testenv.SharedPath(t, "rulesets/reversinglabs"),
			scan: func(t *testing.T, eng *engines.Set) {
				const rule = "ByteCode_MSIL_Ransomware_Ghostbin"
				src := testenv.SharedPath(t, "rulesets/reversinglabs/yara/ransomware/ByteCode.MSIL.Ransomware.Ghostbin.yara")
				checkMatch(t, eng, scanData(t, eng, "ghostbin.exe", peWithPatterns(t, src)), rule)
			},
		},
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
		t.Run(set.name, func(t *testing.T) {
			// Text no rule of either set is about scans without an
			// engine error and without findings.
			plain := []byte("Hello from the plant floor.\n")
			if fs := scanData(t, eng, "notes.txt", plain); len(fs) != 0 {
				t.Errorf("findings on plain text = %v, want none", fs)
			}
			set.scan(t, eng)
		})
		eng.Close()
		t.Logf("%s: %d rejects; bundle %d bytes; build %v, import %v, engines from the store %v",
			set.name, len(rep.Rejects), rep.Size, built.Round(time.Millisecond), imported.Round(time.Millisecond), loaded.Round(time.Millisecond))
	}
}

// checkBlockTables asserts that the block tables the store compiled on
// import hold every digest of the list, and nothing else by chance.
func checkBlockTables(t *testing.T, eng *engines.Set, list string) {
	t.Helper()
	f, err := os.Open(list)
	must(t, err)
	defer f.Close()
	entries, _, err := hashdb.Parse(f)
	must(t, err)
	if len(entries) < 1000 {
		t.Fatalf("%s parses to %d digests, want over 1000", list, len(entries))
	}
	if len(eng.Block) == 0 {
		t.Fatalf("engines have no block table, want the one of %s", filepath.Base(list))
	}
	lookup := func(a hashdb.Algo, sum []byte) (string, bool) {
		for _, l := range eng.Block {
			if label, ok := l.Lookup(a, sum); ok {
				return label, true
			}
		}
		return "", false
	}
	missing := 0
	for _, e := range entries {
		if _, ok := lookup(e.Algo, e.Sum); !ok {
			if missing++; missing <= 5 {
				t.Errorf("block tables miss %s %x (%s)", e.Algo, e.Sum, e.Label)
			}
		}
	}
	if missing > 0 {
		t.Errorf("block tables miss %d of %d digests", missing, len(entries))
	}
	// The first entry after the examples in LOKI's list, with its label.
	first := mustHexSum(t, "ce583821191345274cd954b2db7da9742c239fe413fc17dcb97ffdd7b51cb072")
	if label, ok := lookup(hashdb.SHA256, first); !ok || label != "Dark Caracal - MS Windows HtmlHelp Data" {
		t.Errorf("Lookup(sha256, %x) = %q, %t, want the Dark Caracal label", first, label, ok)
	}
	clean := sha256.Sum256([]byte("Hello from the plant floor.\n"))
	if label, ok := lookup(hashdb.SHA256, clean[:]); ok {
		t.Errorf("Lookup(sha256 of plain text) = %q, want no hit", label)
	}
}

func mustHexSum(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	must(t, err)
	return b
}

// object describes bytes as the scanner would hand them to an engine.
func object(name string, data []byte) *scanner.Object {
	md5sum := md5.Sum(data)
	shaSum := sha256.Sum256(data)
	return &scanner.Object{
		Path: name, Name: name, Ext: strings.TrimPrefix(filepath.Ext(name), "."),
		Size: int64(len(data)),
		Sums: scanner.Sums{SHA256: shaSum[:], MD5: md5sum[:]},
	}
}

// scanData scans bytes held in memory, as small files are; an engine
// error fails the test.
func scanData(t *testing.T, eng *engines.Set, name string, data []byte) []scanner.Finding {
	t.Helper()
	obj := object(name, data)
	obj.Data = data
	fs, err := eng.YARA.Scan(context.Background(), obj)
	if err != nil {
		t.Fatalf("scan %s from memory: %v", name, err)
	}
	return fs
}

// scanFile scans a spool copy through its descriptor, as large files are.
func scanFile(t *testing.T, eng *engines.Set, name string, data []byte) []scanner.Finding {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	must(t, os.WriteFile(p, data, 0o600))
	f, err := os.Open(p)
	must(t, err)
	defer f.Close()
	obj := object(name, data)
	obj.File, obj.SpoolPath = f, p
	fs, err := eng.YARA.Scan(context.Background(), obj)
	if err != nil {
		t.Fatalf("scan %s from a file: %v", name, err)
	}
	return fs
}

func checkMatch(t *testing.T, eng *engines.Set, fs []scanner.Finding, rule string) {
	t.Helper()
	for _, f := range fs {
		if f.Rule == rule {
			if f.Verdict != scanner.Infected {
				t.Errorf("%s matched with verdict %v, want infected", rule, f.Verdict)
			}
			return
		}
	}
	t.Errorf("findings %v, want a match of %s (from %s)", fs, rule, eng.Version())
}

var (
	ruleRE      = regexp.MustCompile(`(?m)^\s*(private\s+|global\s+)*rule\s+\w+`)
	hexStringRE = regexp.MustCompile(`(?s)\$\w+\s*=\s*\{([^}]*)\}`)
	hexTokenRE  = regexp.MustCompile(`^([0-9A-Fa-f]{2}|\?\?)$`)
)

// peWithPatterns builds bytes that a rule file whose one rule reads
// `uint16(0) == 0x5A4D and` its hex strings matches: "MZ", then every hex
// string of the file with each ?? as 00. It accepts only plain bytes and
// ?? wildcards, and fails the test on anything else (jumps,
// alternatives), which a rewritten rule would need handled.
func peWithPatterns(t *testing.T, ruleFile string) []byte {
	t.Helper()
	src, err := os.ReadFile(ruleFile)
	must(t, err)
	if n := len(ruleRE.FindAllIndex(src, -1)); n != 1 {
		t.Fatalf("%s holds %d rules, want one", ruleFile, n)
	}
	if !strings.Contains(string(src), "uint16(0) == 0x5A4D") {
		t.Fatalf("%s: condition no longer starts from an MZ header", ruleFile)
	}
	out := []byte("MZ")
	pats := hexStringRE.FindAllStringSubmatch(string(src), -1)
	if len(pats) == 0 {
		t.Fatalf("%s: no hex strings", ruleFile)
	}
	for _, p := range pats {
		out = append(out, make([]byte, 16)...)
		for _, tok := range strings.Fields(p[1]) {
			if !hexTokenRE.MatchString(tok) {
				t.Fatalf("%s: hex token %q is more than a byte or ??", ruleFile, tok)
			}
			if tok == "??" {
				tok = "00"
			}
			b, err := hex.DecodeString(tok)
			must(t, err)
			out = append(out, b...)
		}
	}
	return out
}
