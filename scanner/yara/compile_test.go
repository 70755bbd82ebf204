package yara

import (
	"path/filepath"
	"strings"
	"testing"

	goyara "github.com/hillu/go-yara/v4"
)

func TestCompileRejectsBadFilesAlone(t *testing.T) {
	srcs := []Source{
		{Name: "good1.yar", Data: []byte(`rule good_one { strings: $a = "alpha-marker" condition: $a }`)},
		// half_bad defines a valid rule before the error: the rebuild must
		// drop it along with the rest of the file.
		{Name: "half_bad.yar", Data: []byte("rule half_ok { strings: $a = \"beta-marker\" condition: $a }\n\nrule broken { condition: no_such_identifier }\n")},
		{Name: "syntax.yar", Data: []byte("rule oops {\n condition:\n  true and\n}\n")},
		{Name: "eof.yar", Data: []byte("rule cut {\n condition:\n")},
		{Name: "good2.yar", Data: []byte(`rule good_two { strings: $a = "gamma-marker" condition: $a }`)},
	}
	r, err := Compile(srcs)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	defer r.Close()
	if got, want := r.Files(), 2; got != want {
		t.Errorf("Files() = %d, want %d", got, want)
	}
	if got, want := r.Count(), 2; got != want {
		t.Errorf("Count() = %d, want %d", got, want)
	}
	rej := r.Rejects()
	if len(rej) != 3 {
		t.Fatalf("Rejects() = %v, want 3", rej)
	}
	for i, want := range []struct{ file, msg string }{
		{"half_bad.yar", `line 3: undefined identifier "no_such_identifier"`},
		{"syntax.yar", "line 4: syntax error"},
		{"eof.yar", "syntax error"},
	} {
		if rej[i].File != want.file || !strings.Contains(rej[i].Message, want.msg) {
			t.Errorf("Rejects()[%d] = %v, want %s with %q", i, rej[i], want.file, want.msg)
		}
	}
	got := scanString(t, r, "alpha-marker beta-marker gamma-marker")
	if want := "good_one,good_two"; got != want {
		t.Errorf("matches = %q, want %q (half_ok must not survive its file's reject)", got, want)
	}
}

func TestCompileNothingLoads(t *testing.T) {
	_, err := Compile([]Source{{Name: "bad.yar", Data: []byte("rule {")}})
	if err == nil || !strings.Contains(err.Error(), "no rules could be compiled: bad.yar: line 1") {
		t.Errorf("Compile(bad) error = %v, want no rules could be compiled with the reject", err)
	}
	if _, err := Compile(nil); err == nil {
		t.Error("Compile(nil) = nil error, want an error")
	}
}

func TestCompileDuplicateNamesAcrossFiles(t *testing.T) {
	srcs := []Source{
		{Name: "one.yar", Data: []byte(`rule same { meta: description = "from one" strings: $a = "marker-one" condition: $a }`)},
		{Name: "two.yar", Data: []byte(`rule same { meta: description = "from two" strings: $a = "marker-two" condition: $a }`)},
		{Name: "one.yar", Data: []byte(`rule same { condition: false }`)}, // same display name again
	}
	r, err := Compile(srcs)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(r.Rejects()) != 0 || r.Count() != 3 {
		t.Fatalf("Rejects() = %v, Count() = %d; want none and 3", r.Rejects(), r.Count())
	}
	fs := scanFindings(t, r, "marker-two", Options{})
	if len(fs) != 1 || fs[0].Rule != "same" || fs[0].Detail != "from two; file: two.yar" {
		t.Errorf("findings = %+v, want rule same with detail naming two.yar", fs)
	}
}

func TestCompileNULByte(t *testing.T) {
	srcs := []Source{
		{Name: "nul.yar", Data: []byte("rule a { condition: true }\n\x00rule b { condition: true }")},
		{Name: "ok.yar", Data: []byte("rule c { condition: true }")},
	}
	r, err := Compile(srcs)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if rej := r.Rejects(); len(rej) != 1 || rej[0].Message != "line 2: NUL byte in rule text" {
		t.Errorf("Rejects() = %v, want nul.yar rejected at line 2", rej)
	}
}

func TestCompileIncludes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main/top.yar", []byte("include \"sub/mid.yar\"\nrule top { condition: mid and leaf }\n"))
	writeFile(t, dir, "main/sub/mid.yar", []byte("include \"deeper/leaf.yar\"\nrule mid { condition: true }\n"))
	writeFile(t, dir, "main/sub/deeper/leaf.yar", []byte("rule leaf { condition: md5 == \"\" }\n"))
	srcs, err := LoadPaths([]string{filepath.Join(dir, "main/top.yar")})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compile(srcs)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(r.Rejects()) != 0 || r.Count() != 3 {
		t.Fatalf("Rejects() = %v, Count() = %d; want none and 3", r.Rejects(), r.Count())
	}
	if !r.UsesMD5() {
		t.Error("UsesMD5() = false, want true: an included file compares md5")
	}

	// A source without a path (embedded, bundle member) cannot include.
	_, err = Compile([]Source{{Name: "mem.yar", Data: []byte(`include "x.yar"`)}})
	if err == nil || !strings.Contains(err.Error(), "source has no path") {
		t.Errorf("Compile(in-memory include) error = %v, want source has no path", err)
	}
	missing := writeFile(t, dir, "missing.yar", []byte(`include "nope.yar"`))
	_, err = Compile([]Source{{Name: "missing.yar", Path: missing, Data: []byte(`include "nope.yar"`)}})
	if err == nil || !strings.Contains(err.Error(), "nope.yar") {
		t.Errorf("Compile(missing include) error = %v, want it named", err)
	}
}

func TestMentionsExternal(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{`rule a { condition: md5 == "d41d8cd98f00b204e9800998ecf8427e" }`, true},
		{`rule a { condition: md5 contains "abc" }`, true},
		{"rule a { condition:\n\tmd5\n\t== \"x\" }", true},
		{`import "hash" rule a { condition: hash.md5(0, filesize) == "x" }`, false},
		{`rule a { meta: md5 = "abc" condition: true }`, false},
		{`rule a { meta: description = "md5 of the dropper" condition: true }`, false},
		{`rule a { strings: $md5 = "x" condition: $md5 and #md5 > 1 and @md5[1] == 0 }`, false},
		{"// md5 == \"x\"\nrule a { /* md5 */ condition: true }", false},
		{`rule md5_check { condition: true }`, false},
		{`rule a { condition: amd5 == "" or md5x == "" }`, false},
	} {
		if got := mentionsExternal([]byte(tc.text), "md5"); got != tc.want {
			t.Errorf("mentionsExternal(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func FuzzMentionsExternal(f *testing.F) {
	f.Add([]byte(`rule a { condition: md5 == "x" }`))
	f.Add([]byte("/* unterminated"))
	f.Add([]byte(`"unterminated \`))
	f.Fuzz(func(t *testing.T, data []byte) {
		mentionsExternal(data, "md5")
	})
}

// TestErrorCodes pins the libyara error codes the engine compares against,
// which go-yara does not export.
func TestErrorCodes(t *testing.T) {
	if got := errScanTimeout.Error(); got != "scan timeout" {
		t.Errorf("goyara.Error(26) = %q, want scan timeout", got)
	}
	if int(scanFlagsNoTryCatch) != 4 || goyara.ScanFlagsFastMode != 1 {
		t.Errorf("scan flags drifted: no-trycatch %d, fast %d", scanFlagsNoTryCatch, goyara.ScanFlagsFastMode)
	}
}

func TestLibraryVersion(t *testing.T) {
	// go-yara v4.2.x needs libyara 4.2.x; a mismatch is a packaging bug.
	if v := LibraryVersion(); !strings.HasPrefix(v, "4.2.") {
		t.Errorf("LibraryVersion() = %q, want 4.2.x", v)
	}
}
