package transfer

import (
	"bytes"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeName(t *testing.T) {
	long := strings.Repeat("a", 300)
	for _, tc := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"CON", "_CON"},
		{"CON.txt", "_CON.txt"},
		{"con.TXT", "_con.TXT"},
		{"aux", "_aux"},
		{"nul.tar.gz", "_nul.tar.gz"},
		{"PRN", "_PRN"},
		{"COM1.txt", "_COM1.txt"},
		{"lpt9", "_lpt9"},
		{"COM¹", "_COM¹"},
		{"lpt³.log", "_lpt³.log"},
		{"CONIN$", "_CONIN$"},
		{"CON .txt", "_CON .txt"},
		{"COM10", "COM10"},
		{"CONSOLE", "CONSOLE"},
		{"a.txt.", "a.txt_"},
		{"b. ", "b__"},
		{"evil.exe. . ", "evil.exe____"},
		{" leading", " leading"},
		{".profile", ".profile"},
		{".", "_"},
		{"..", "__"},
		{"...", "___"},
		{"", "_"},
		{"a\x00b\x1fc\x7fd\u0085e", "a_b_c_d_e"},
		{"line\nbreak\r", "line_break_"},
		{"invoice\u202Efdp.exe", "invoice_fdp.exe"},
		{"\u2066iso\u2069\u200e\u200f\u061c", "_iso____"},
		{"zero\u200bwidth\ufeff", "zero_width_"},
		{"soft\u00adhyphen", "soft_hyphen"},
		{"x<y>.txt", "x_y_.txt"},
		{`a:b|c?d*e"f\g/h`, "a_b_c_d_e_f_g_h"},
		{"bad\xff\xfe.txt", "bad_.txt"},
		{"\xc3", "_"},
		{"hangul\u3164filler", "hangul_filler"},
		{"non\ufffechar", "non_char"},
		{long, long[:255]},
		{long + ".txt", long[:251] + ".txt"},
		{strings.Repeat("é", 200) + ".docx", strings.Repeat("é", 125) + ".docx"},
		{strings.Repeat("é", 200), strings.Repeat("é", 127)}, // 254 bytes: no half character
		{strings.Repeat("a", 254) + " .x" + strings.Repeat("y", 40), strings.Repeat("a", 254) + "_"},
		{"e\u0301", "é"},
		{"Cafe\u0301.txt", "Café.txt"},
		{"e\u0323\u0302", "ệ"},
		{"A\u030a", "Å"},
		{"\u212b", "\u00c5"}, // ANGSTROM SIGN is canonically Å
		{"emoji ❤️.txt", "emoji ❤️.txt"},
		{"日本語.txt", "日本語.txt"},
	} {
		if got := SafeName(tc.in); got != tc.want {
			t.Errorf("SafeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNFC(t *testing.T) {
	for in, want := range map[string]string{
		"e\u0301t\u00e9.txt":      "\u00e9t\u00e9.txt", // Latin, as macOS writes it
		"\u1100\u1161.doc":        "\uac00.doc",        // Hangul jamo
		"\u03b1\u0301.pdf":        "\u03ac.pdf",        // Greek
		"\u0627\u0653.txt":        "\u0622.txt",        // Arabic
		"A\u030a.txt":             "\u00c5.txt",
		"\u212b.txt":              "\u00c5.txt", // the Angstrom sign is canonically Å
		"already composed \u00e9": "already composed \u00e9",
	} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%+q) = %+q, want %+q", in, got, want)
		}
	}
}

// Names go through SafeName, then Publish resolves collisions; the result
// must not depend on the order of Adds.
func TestCollisions(t *testing.T) {
	files := map[string]string{
		"A.txt":             "upper",
		"a.txt":             "lower",
		"a (2).txt":         "real a (2)",
		"caf\u00e9.txt":     "nfc",
		"cafe\u0301.txt":    "nfd",
		"CON.txt":           "device",
		"_CON.txt":          "already safe",
		"x.txt.":            "dot",
		"x.txt_":            "underscore",
		"Docs/one.txt":      "1",
		"docs/one.txt":      "2",
		".sluice/evil":      "meta",
		".SLUICE":           "meta file",
		"dir/a\u202e.txt":   "bidi",
		"dir/a\u200b.txt":   "zw",
		"k.txt":             "k",
		"\u212a.txt":        "kelvin", // NFC makes the Kelvin sign K, which folds with k
		"deep/../up.txt":    "dots",
		"deep/__/up.txt":    "underscores",
		"ünïcödé/ok.txt":    "ok",
		"sp ace/tail .txt ": "trail",
	}
	want := map[string]string{
		"A.txt":             "A.txt",
		"a.txt":             "a (3).txt",
		"a (2).txt":         "a (2).txt",
		"caf\u00e9.txt":     "caf\u00e9.txt",
		"cafe\u0301.txt":    "caf\u00e9 (2).txt",
		"CON.txt":           "_CON (2).txt",
		"_CON.txt":          "_CON.txt",
		"x.txt.":            "x (2).txt_",
		"x.txt_":            "x.txt_",
		"Docs/one.txt":      "Docs/one.txt",
		"docs/one.txt":      "docs (2)/one.txt",
		".sluice/evil":      ".sluice (3)/evil",
		".SLUICE":           ".SLUICE (2)",
		"dir/a\u202e.txt":   "dir/a_ (2).txt",
		"dir/a\u200b.txt":   "dir/a_.txt",
		"k.txt":             "k.txt",
		"\u212a.txt":        "K (2).txt",
		"deep/../up.txt":    "deep/__ (2)/up.txt",
		"deep/__/up.txt":    "deep/__/up.txt",
		"ünïcödé/ok.txt":    "ünïcödé/ok.txt",
		"sp ace/tail .txt ": "sp ace/tail .txt_",
	}
	_, priv := testKeys(t)
	names := sortedKeys(files)
	var first []File
	for i := 0; i < 4; i++ {
		if i > 0 {
			rand.New(rand.NewSource(int64(i))).Shuffle(len(names), func(a, b int) { names[a], names[b] = names[b], names[a] })
		}
		final := publish(t, filepath.Join(t.TempDir()), priv, names, files)
		m, problems, err := Verify(final, nil, VerifyOptions{Now: fixedNow})
		if err != nil || problemKinds(problems) != "untrusted-key .sluice/manifest.json.minisig" {
			t.Fatalf("Verify = %v, %v", problems, err)
		}
		if i == 0 {
			first = m.Files
			for _, f := range m.Files {
				orig := f.Original
				if orig == "" {
					orig = f.Path
				}
				if want[orig] != f.Path {
					t.Errorf("%q placed at %q, want %q", orig, f.Path, want[orig])
				}
			}
			continue
		}
		for j := range first {
			if m.Files[j] != first[j] {
				t.Errorf("order %d: file %d = %+v, first order gave %+v", i, j, m.Files[j], first[j])
			}
		}
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"CON.txt", "a.txt.", "..", "e\u0301\u0323", "x\u202e", strings.Repeat("é", 130) + ".x", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeName(s)
		switch {
		case !utf8.ValidString(got), got == "", len(got) > maxNameBytes:
			t.Fatalf("SafeName(%q) = %q: invalid, empty or too long", s, got)
		case SafeName(got) != got:
			t.Fatalf("SafeName(%q) = %q, not a fixed point (%q)", s, got, SafeName(got))
		case strings.ContainsAny(got, "/\\\x00") || got == "." || got == "..":
			t.Fatalf("SafeName(%q) = %q holds a separator", s, got)
		case reservedDevice(got), strings.HasSuffix(got, "."), strings.HasSuffix(got, " "):
			t.Fatalf("SafeName(%q) = %q is not safe on Windows", s, got)
		}
		if !safePath(got) || !filepath.IsLocal(got) {
			t.Fatalf("SafeName(%q) = %q is not a local path", s, got)
		}
		if n := withSuffix(got, 12); SafeName(n) != n || len(n) > maxNameBytes || bytes.Equal([]byte(n), []byte(got)) {
			t.Fatalf("withSuffix(%q) = %q", got, n)
		}
	})
}
