package hashdb

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	eicarSHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	eicarMD5    = "44d88612fea8a8f36de82e1278abb02f"
	eicarSHA1   = "3395856ce81f2b7382dee72602f798b642f14140"
)

// ent is an Entry spelled in hex, for readable tables.
type ent struct {
	Algo  Algo
	Hex   string
	Label string
}

func ents(es []Entry) []ent {
	var out []ent
	for _, e := range es {
		out = append(out, ent{e.Algo, hex.EncodeToString(e.Sum), e.Label})
	}
	return out
}

// lineErr is a LineError without its Text, which TestLineErrorText covers.
type lineErr struct {
	Line   int
	Reason string
}

func lineErrs(es []LineError) []lineErr {
	var out []lineErr
	for _, e := range es {
		out = append(out, lineErr{e.Line, e.Reason})
	}
	return out
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFiles(t *testing.T) {
	tests := []struct {
		file     string
		want     []ent
		wantErrs []lineErr
	}{
		{"loki.txt", []ent{
			{SHA256, eicarSHA256, "EICAR test file - https://www.eicar.org/"},
			{MD5, eicarMD5, "EICAR test file (MD5)"},
			{SHA1, eicarSHA1, "EICAR test file (SHA-1, upper case)"},
			{SHA256, "1f2e69ad36389bf22318c7278f6a47f37daa0e24369a52781b84fd02fc52d4f0", "Sluice test one; a comment with a semicolon"},
			{MD5, "0a8106a75237b00a0a2dd53d731959fc", ""},
			{SHA1, "826d3ba928404cc07d6c84e2dcd005363d3d85e1", ""},
			{SHA256, "2075f3083104ba3686af1598f29c5446b5bd34c61ead374de0622505ef7481f1", "Sluice test two with a tab"},
		}, nil},
		{"sha256sum.txt", []ent{
			{SHA256, eicarSHA256, "eicar.com"},
			{SHA256, "2075f3083104ba3686af1598f29c5446b5bd34c61ead374de0622505ef7481f1", "bin/tool two.exe"},
			{SHA256, "3bd74daddd845684aebc7ca9b50188514402aa6620be305eea54767970dcedf5", `odd\name.txt`},
			{SHA256, "a9d6ecd9b805a3ce977ad17abaa3c4817357c980fc9fb592a56641ca35dad96f", ""},
		}, nil},
		{"md5sum.txt", []ent{
			{MD5, eicarMD5, "eicar.com"},
			{MD5, "ffbde6057dffd501b95de8fa3cf37709", "two.bin"},
		}, nil},
		{"sha1sum-crlf.txt", []ent{
			{SHA1, eicarSHA1, "eicar.com"},
			{SHA1, "826d3ba928404cc07d6c84e2dcd005363d3d85e1", "one.txt"},
		}, nil},
		{"bazaar.csv", []ent{
			{SHA256, eicarSHA256, "EICAR"},
			{SHA256, "1f2e69ad36389bf22318c7278f6a47f37daa0e24369a52781b84fd02fc52d4f0", "one.exe"},
			{SHA256, "2075f3083104ba3686af1598f29c5446b5bd34c61ead374de0622505ef7481f1", "AgentTesla"},
		}, nil},
		{"virusshare.txt", []ent{
			{MD5, eicarMD5, ""},
			{MD5, "0a8106a75237b00a0a2dd53d731959fc", ""},
			{MD5, "ffbde6057dffd501b95de8fa3cf37709", ""},
			{MD5, "48c8472bce62352111cdced25e694f3a", ""},
			{MD5, "da562cf5648eccefb98af26860ad7c8d", ""},
		}, nil},
		{"bad.txt", []ent{
			{SHA256, eicarSHA256, "good"},
			{MD5, eicarMD5, "still good"},
		}, []lineErr{
			{3, "not a hex digest"},
			{4, "digest has 62 hex digits, want 32, 40 or 64"},
			{5, "digest has 65 hex digits, want 32, 40 or 64"},
			{6, "NUL byte in line"},
			{7, "not a hex digest"},
			{8, "sha256_hash column has 32 characters, want 64 hex digits"},
			{9, `bad CSV: extraneous or missing " in quoted-field`},
			{10, "CSV line has 2 columns, want 14 (MalwareBazaar)"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, gotErrs, err := Parse(bytes.NewReader(readTestdata(t, tt.file)))
			if err != nil {
				t.Fatalf("Parse(%s) error = %v, want nil", tt.file, err)
			}
			if diff := cmp.Diff(tt.want, ents(got)); diff != "" {
				t.Errorf("Parse(%s) entries mismatch (-want +got):\n%s", tt.file, diff)
			}
			if diff := cmp.Diff(tt.wantErrs, lineErrs(gotErrs)); diff != "" {
				t.Errorf("Parse(%s) line errors mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestParseLines(t *testing.T) {
	long := strings.Repeat("x", maxLine)
	tests := []struct {
		name     string
		in       string
		want     []ent
		wantErrs []lineErr
	}{
		{"empty", "", nil, nil},
		{"comments and blanks", "#\n\n   \n\t# x\n", nil, nil},
		{"no final newline", eicarMD5, []ent{{MD5, eicarMD5, ""}}, nil},
		{"byte order mark", "\xef\xbb\xbf" + eicarMD5 + "\n", []ent{{MD5, eicarMD5, ""}}, nil},
		{"indented, space before comment", "  " + eicarMD5 + " ;x\n", []ent{{MD5, eicarMD5, "x"}}, nil},
		{"crlf", eicarMD5 + ";a\r\n" + eicarSHA1 + "\r\n", []ent{{MD5, eicarMD5, "a"}, {SHA1, eicarSHA1, ""}}, nil},
		{"mixed formats", eicarMD5 + "\n" + eicarSHA1 + "  f.exe\n" + eicarSHA256 + ";c\n",
			[]ent{{MD5, eicarMD5, ""}, {SHA1, eicarSHA1, "f.exe"}, {SHA256, eicarSHA256, "c"}}, nil},
		{"control characters stripped", eicarMD5 + ";a\x1b[31mb\x7fc\u202ed\n", []ent{{MD5, eicarMD5, "a[31mbcd"}}, nil},
		{"invalid utf-8 replaced", eicarMD5 + ";a\xffb\n", []ent{{MD5, eicarMD5, "a\uFFFDb"}}, nil},
		{"label capped", eicarMD5 + ";" + strings.Repeat("é", 150) + "\n", []ent{{MD5, eicarMD5, strings.Repeat("é", 100)}}, nil},
		{"line of 64 KiB accepted", eicarMD5 + ";" + long[:maxLine-33] + "\n", []ent{{MD5, eicarMD5, long[:maxLabel]}}, nil},
		{"over-long line rejected", eicarMD5 + ";" + long + "\n" + eicarSHA1 + "\n",
			[]ent{{SHA1, eicarSHA1, ""}}, []lineErr{{1, "line longer than 65536 bytes"}}},
		{"over-long last line", eicarSHA1 + "\n" + long + "y", []ent{{SHA1, eicarSHA1, ""}}, []lineErr{{2, "line longer than 65536 bytes"}}},
		{"nul in comment", "# a\x00b\n", nil, []lineErr{{1, "NUL byte in line"}}},
		{"hash of 8 digits", "deadbeef\n", nil, []lineErr{{1, "digest has 8 hex digits, want 32, 40 or 64"}}},
		{"sha256sum bsd style", "MD5 (f) = " + eicarMD5 + "\n", nil, []lineErr{{1, "not a hex digest"}}},
		{"csv header uncommented", `"first_seen_utc","sha256_hash","md5_hash","sha1_hash","reporter","file_name","file_type_guess","mime_type","signature"` + "\n", nil, nil},
		{"csv without spaces, signature n/a, no file name",
			`"d","` + eicarSHA256 + `","","","r","n/a","","","n/a","","","","",""` + "\n",
			[]ent{{SHA256, eicarSHA256, ""}}, nil},
		{"csv bad hex", `"d", "` + strings.Repeat("g", 64) + `", "", "", "", "", "", "", ""` + "\n", nil, []lineErr{{1, "not a hex digest"}}},
		{"csv bare quote", `"d", "a"b", "", "", "", "", "", "", ""` + "\n" + eicarMD5 + "\n",
			[]ent{{MD5, eicarMD5, ""}}, []lineErr{{1, `bad CSV: extraneous or missing " in quoted-field`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gotErrs, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("Parse(%.40q) error = %v, want nil", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, ents(got)); diff != "" {
				t.Errorf("Parse(%.40q) entries mismatch (-want +got):\n%s", tt.in, diff)
			}
			if diff := cmp.Diff(tt.wantErrs, lineErrs(gotErrs)); diff != "" {
				t.Errorf("Parse(%.40q) line errors mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseManyBadLines(t *testing.T) {
	in := strings.Repeat("bad\n", maxLineErrors+5) + eicarMD5 + "\n"
	got, errs, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatalf("Parse error = %v, want nil", err)
	}
	if len(got) != 1 {
		t.Errorf("Parse found %d entries, want 1", len(got))
	}
	if len(errs) != maxLineErrors+1 {
		t.Fatalf("Parse returned %d line errors, want %d", len(errs), maxLineErrors+1)
	}
	want := LineError{Line: maxLineErrors + 1, Reason: "5 more bad lines from here on not listed"}
	if last := errs[len(errs)-1]; last != want {
		t.Errorf("last line error = %+v, want %+v", last, want)
	}
}

func TestLineErrorText(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"abc", "abc"},
		{"a\x00b\tc\xffd", `a\x00b\tc\xffd`},
		{"é\u202e", `é\u202e`},
		{strings.Repeat("z", 200), strings.Repeat("z", maxErrText) + "..."},
	}
	for _, tt := range tests {
		if got := printable([]byte(tt.in)); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	_, errs, _ := Parse(strings.NewReader("\n" + strings.Repeat("q", 300) + "\n"))
	if len(errs) != 1 {
		t.Fatalf("Parse(300 q) returned %d line errors, want 1", len(errs))
	}
	e := errs[0]
	want := fmt.Sprintf("line 2: not a hex digest: %q", strings.Repeat("q", maxErrText)+"...")
	if got := e.Error(); got != want {
		t.Errorf("LineError.Error() = %q, want %q", got, want)
	}
	var err error = e
	if !strings.HasPrefix(err.Error(), "line 2:") {
		t.Errorf("LineError as error = %q, want prefix %q", err, "line 2:")
	}
}

type failReader struct{ err error }

func (r failReader) Read([]byte) (int, error) { return 0, r.err }

func TestParseReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader(eicarMD5+"\n"), failReader{boom})
	if _, _, err := Parse(r); !errors.Is(err, boom) {
		t.Errorf("Parse(failing reader) error = %v, want %v", err, boom)
	}
}

func TestAlgo(t *testing.T) {
	tests := []struct {
		a    Algo
		str  string
		size int
	}{
		{MD5, "md5", 16}, {SHA1, "sha1", 20}, {SHA256, "sha256", 32}, {0, "algo(0)", 0}, {9, "algo(9)", 0},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.str {
			t.Errorf("Algo(%d).String() = %q, want %q", tt.a, got, tt.str)
		}
		if got := tt.a.Size(); got != tt.size {
			t.Errorf("Algo(%d).Size() = %d, want %d", tt.a, got, tt.size)
		}
	}
}
