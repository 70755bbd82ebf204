package yara

import (
	"testing"
	"time"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// Public rule sets must load as they come: LOKI externals, modules, and
// the odd broken file rejected alone.

func TestSignatureBase(t *testing.T) {
	dir := testenv.SharedPath(t, "rulesets/signature-base/yara")
	srcs, err := LoadPaths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 741 {
		t.Errorf("LoadPaths(signature-base) = %d files, want 741", len(srcs))
	}
	start := time.Now()
	r, err := Compile(srcs)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	t.Logf("signature-base: %d files, %d rules, %d rejects, compiled in %v, uses md5: %v",
		r.Files(), r.Count(), len(r.Rejects()), time.Since(start).Round(time.Millisecond), r.UsesMD5())
	for _, rej := range r.Rejects() {
		t.Errorf("reject: %v", rej)
	}
	if r.Files() != 741 {
		t.Errorf("Files() = %d, want 741", r.Files())
	}
	if n := r.Count(); n < 5500 || n > 6500 {
		t.Errorf("Count() = %d, want about 5.9k", n)
	}
	// A clean text file must scan clean with the whole set.
	if fs := scanFindings(t, r, "Hello from the plant floor.\n", Options{}); len(fs) != 0 {
		t.Errorf("signature-base findings on plain text = %v, want none", fs)
	}
}

func TestReversingLabs(t *testing.T) {
	dir := testenv.SharedPath(t, "rulesets/reversinglabs")
	srcs, err := LoadPaths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r, err := Compile(srcs)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	t.Logf("reversinglabs: %d sources, %d files loaded, %d rules, %d rejects, compiled in %v",
		len(srcs), r.Files(), r.Count(), len(r.Rejects()), time.Since(start).Round(time.Millisecond))
	for _, rej := range r.Rejects() {
		t.Logf("reject: %v", rej)
	}
	if r.Files()+len(r.Rejects()) != len(srcs) {
		t.Errorf("Files() %d + rejects %d != %d sources", r.Files(), len(r.Rejects()), len(srcs))
	}
	if r.Files() < len(srcs)*9/10 {
		t.Errorf("only %d of %d files loaded", r.Files(), len(srcs))
	}
}
