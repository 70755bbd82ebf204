package bundle

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadTar feeds the hostile-input reader arbitrary bytes, as Open
// would after a valid signature (the fuzzer cannot forge one). It must
// never panic, and whatever it accepts must be safe to extract and
// consistent with its bundle.json.
func FuzzReadTar(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "seeds", "*.tar"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in testdata/seeds (%v)", err)
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	lim := Limits{MaxMember: 1 << 20, MaxTotal: 4 << 20, MaxMembers: 200, MaxManifest: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		put := map[string]int{}
		ends := map[string]int64{}
		m, err := readTar(bytes.NewReader(data), lim, func(e *Member, off int64, r io.Reader) error {
			if !filepath.IsLocal(e.Path) || checkPath(e.Path) != nil {
				t.Fatalf("put of unsafe path %q", e.Path)
			}
			if off < 1024 || off%512 != 0 {
				t.Fatalf("member %q at offset %d", e.Path, off)
			}
			ends[e.Path] = off + e.Size
			n, err := io.Copy(io.Discard, r)
			if err == nil && n != e.Size {
				t.Fatalf("member %q yielded %d bytes, listed %d", e.Path, n, e.Size)
			}
			put[e.Path]++
			return err
		})
		if err != nil {
			if m != nil {
				t.Fatalf("readTar returned a manifest with %v", err)
			}
			if !isSentinel(err) {
				t.Fatalf("readTar error %v wraps no sentinel", err)
			}
			return
		}
		if len(put) != len(m.Contents) {
			t.Fatalf("accepted with %d members extracted, %d listed", len(put), len(m.Contents))
		}
		for _, e := range m.Contents {
			if put[e.Path] != 1 {
				t.Fatalf("listed member %q extracted %d times", e.Path, put[e.Path])
			}
			if ends[e.Path] > int64(len(data)) {
				t.Fatalf("member %q ends at %d, after the %d bytes of input", e.Path, ends[e.Path], len(data))
			}
		}
	})
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrMalformed, ErrUnsafePath, ErrDuplicate, ErrLink, ErrSpecial, ErrTooLarge,
		ErrNoManifest, ErrBadManifest, ErrFormatVersion, ErrUnlisted, ErrMissing, ErrMismatch} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
