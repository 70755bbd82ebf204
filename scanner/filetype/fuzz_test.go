package filetype

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDetect feeds Detect arbitrary bytes, sometimes with a claimed size
// larger than the data (a file that shrank, a lying reader). Detect must not
// panic, must stay within its read budget and inside the claimed size, and
// must return a Type the policy can act on.
func FuzzDetect(f *testing.F) {
	for _, s := range samples(f) {
		f.Add(s.data, uint16(0))
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, uint16(0))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, extra uint16) {
		size := int64(len(data)) + int64(extra)
		c := &countingReader{r: bytes.NewReader(data)}
		got, err := Detect(c, size)
		if err != nil {
			t.Fatalf("Detect(%d bytes, size %d) error: %v", len(data), size, err)
		}
		if c.read > maxRead {
			t.Errorf("Detect read %d bytes, want at most %d", c.read, maxRead)
		}
		if c.end > size {
			t.Errorf("Detect read up to offset %d, past the claimed size %d", c.end, size)
		}
		if got.MIME == "" || got.Label == "" || got.Category == "" {
			t.Errorf("Detect = %+v, want MIME, Label and Category set", got)
		}
		if got.Category == Archive && got.Container == "" {
			t.Errorf("Detect = %+v: an archive without a container", got)
		}
		if got.Document && got.Container == "" {
			t.Errorf("Detect = %+v: a document container without a container", got)
		}
		DefaultPolicy().Check("x.pdf", size, got, false)
	})
}

// FuzzExt checks that Ext, on any name, returns what Windows would: a lower
// case suffix of the trimmed base name, without separators or a dot.
func FuzzExt(f *testing.F) {
	for _, s := range []string{"invoice.pdf", "evil.exe. ", `a\b.BAT`, ".bat", "x.exe::$DATA", "...", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		e := Ext(name)
		if strings.ContainsAny(e, `./\`) {
			t.Errorf("Ext(%q) = %q, contains a dot or a separator", name, e)
		}
		if e != strings.ToLower(e) {
			t.Errorf("Ext(%q) = %q, not lower case", name, e)
		}
		if strings.HasSuffix(e, " ") {
			t.Errorf("Ext(%q) = %q, ends in a space", name, e)
		}
		DefaultPolicy().Check(name, 0, typeText, false)
	})
}
