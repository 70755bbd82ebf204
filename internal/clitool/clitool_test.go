package clitool

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"notes.txt":          "notes.txt",
		"with space.pdf":     "with space.pdf",
		"évian.doc":          "évian.doc",
		"evil\u202etxt.exe":  `"evil\u202etxt.exe"`,
		"line\nbreak":        `"line\nbreak"`,
		"bad\xffutf8":        `"bad\xffutf8"`,
		"\x1b[31mred\x1b[0m": `"\x1b[31mred\x1b[0m"`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParseInterleaved(t *testing.T) {
	for _, tt := range []struct {
		args []string
		pos  []string
		json bool
		pubs []string
	}{
		{[]string{"a", "--json", "b"}, []string{"a", "b"}, true, nil},
		{[]string{"--pub", "k1", "dir", "--pub", "k2"}, []string{"dir"}, false, []string{"k1", "k2"}},
		{[]string{"--json", "--", "--pub", "x"}, []string{"--pub", "x"}, true, nil},
		{[]string{"a", "--", "--json"}, []string{"a", "--json"}, false, nil},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		json := fs.Bool("json", false, "")
		var pubs Strings
		fs.Var(&pubs, "pub", "")
		pos, err := ParseInterleaved(fs, tt.args)
		if err != nil || !slices.Equal(pos, tt.pos) || *json != tt.json || !slices.Equal(pubs, tt.pubs) {
			t.Errorf("ParseInterleaved(%q) = %q, json %t, pubs %q, %v; want %q, %t, %q",
				tt.args, pos, *json, pubs, err, tt.pos, tt.json, tt.pubs)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := ParseInterleaved(fs, []string{"a", "--nope"}); err == nil {
		t.Error("an unknown flag was accepted")
	}
}

func TestReportError(t *testing.T) {
	var b strings.Builder
	ReportError(&b, "sluice", WrapUserErr(errors.New("open evil\u202etxt: no such file"), "check the path"))
	ReportError(&b, "sluice", errors.New("plain"))
	want := "sluice: \"open evil\\u202etxt: no such file\"; check the path\nsluice: plain\n"
	if b.String() != want {
		t.Errorf("ReportError wrote %q, want %q", b.String(), want)
	}
}
