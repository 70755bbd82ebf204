package transfer

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"
)

var sampleFiles = map[string]string{
	"report.pdf":           "%PDF-1.7 hello",
	"docs/notes.txt":       "notes\n",
	"docs/deep/empty.txt":  "",
	"CON.txt":              "device name",
	"invoice\u202Efdp.exe": "bidi",
}

func TestPublishVerify(t *testing.T) {
	dest := t.TempDir()
	pub, priv := testKeys(t)
	final := publish(t, dest, priv, sortedKeys(sampleFiles), sampleFiles)
	if want := filepath.Join(dest, "20261126T093000Z-abcd0123"); final != want {
		t.Errorf("Publish = %s, want %s", final, want)
	}
	if got := listTree(t, dest); len(got) != 1+len(listTree(t, final)) || got[0] != filepath.Base(final)+"/" {
		t.Errorf("dest holds %q, want only the transfer", got)
	}
	m, problems, err := Verify(final, []minisign.PublicKey{pub}, VerifyOptions{Now: fixedNow})
	if err != nil || len(problems) != 0 {
		t.Fatalf("Verify = %v, %v, want no problems", problems, err)
	}
	want := map[string]string{
		"CON.txt":              "_CON.txt",
		"docs/deep/empty.txt":  "",
		"docs/notes.txt":       "",
		"invoice\u202Efdp.exe": "invoice_fdp.exe",
		"report.pdf":           "",
	}
	for _, f := range m.Files {
		orig := f.Original
		if orig == "" {
			orig = f.Path
		}
		w, ok := want[orig]
		if !ok {
			t.Errorf("unexpected file %+v", f)
			continue
		}
		if w == "" {
			w = orig
		}
		if f.Path != w || (f.Original != "") != (w != orig) {
			t.Errorf("file %q placed as %+v, want path %q", orig, f, w)
		}
		if f.SHA256 != digest([]byte(sampleFiles[orig])) || f.Size != int64(len(sampleFiles[orig])) {
			t.Errorf("file %q: size/sha256 %d %s", orig, f.Size, f.SHA256)
		}
	}
	if m.ID != "20261126T093000Z-abcd0123" || m.Station != "gate-1" || !m.Created.Equal(testNow) || m.Expires != nil {
		t.Errorf("manifest header = %+v", m)
	}
	if !reflect.DeepEqual(m.Blocked, testInfo().Blocked) || m.Source != testInfo().Source {
		t.Errorf("manifest info = %+v %+v", m.Source, m.Blocked)
	}
	// Modes are explicit whatever the umask.
	filepath.WalkDir(final, func(p string, d fs.DirEntry, err error) error {
		fi, _ := d.Info()
		want := fs.FileMode(0o644)
		if d.IsDir() {
			want = fs.ModeDir | 0o755
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
		return nil
	})
}

func TestPublishTrustedComment(t *testing.T) {
	dest := t.TempDir()
	_, priv := testKeys(t)
	final := publish(t, dest, priv, []string{"a"}, map[string]string{"a": "x"})
	sig, err := minisign.SignatureFromFile(filepath.Join(final, SignaturePath))
	if err != nil {
		t.Fatal(err)
	}
	want := "transfer:20261126T093000Z-abcd0123 station:gate-1 time:2026-11-26T09:30:00Z"
	if sig.TrustedComment != want || sig.Algorithm != minisign.HashEdDSA {
		t.Errorf("signature comment %q alg %x, want %q prehashed", sig.TrustedComment, sig.Algorithm, want)
	}
}

func TestPublishEmpty(t *testing.T) {
	dest := t.TempDir()
	_, priv := testKeys(t)
	s, err := Begin(dest, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(priv, Info{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("Publish(empty) = %v, want ErrEmpty", err)
	}
	if got := listTree(t, dest); len(got) != 0 {
		t.Errorf("dest holds %q after a refused Publish", got)
	}
	if err := s.Abort(); err != nil {
		t.Errorf("Abort after Publish = %v", err)
	}
}

func TestAddMismatch(t *testing.T) {
	dest := t.TempDir()
	s, err := Begin(dest, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Abort()
	c := []byte("scanned bytes")
	for _, tc := range []struct {
		name string
		data []byte
		size int64
	}{
		{"changed", []byte("scanned bytez"), int64(len(c))},
		{"short", c[:5], int64(len(c))},
		{"long", append(append([]byte{}, c...), '!'), int64(len(c))},
	} {
		if _, err := s.Add(tc.name, bytes.NewReader(tc.data), tc.size, digest(c)); !errors.Is(err, ErrMismatch) {
			t.Errorf("Add(%s) = %v, want ErrMismatch", tc.name, err)
		}
	}
	if blobs, _ := os.ReadDir(filepath.Join(s.dir, metaDir, "blobs")); len(blobs) != 0 {
		t.Errorf("partial copies left: %v", blobs)
	}
	// The staging stays usable after a refused file.
	if _, err := s.Add("ok", bytes.NewReader(c), int64(len(c)), digest(c)); err != nil {
		t.Errorf("Add after a mismatch = %v", err)
	}
	for _, bad := range []string{"ABC", strings.ToUpper(digest(c)), ""} {
		if _, err := s.Add("x", bytes.NewReader(c), int64(len(c)), bad); err == nil {
			t.Errorf("Add with sha256 %q succeeded", bad)
		}
	}
	if _, err := s.Add("ok", bytes.NewReader(c), int64(len(c)), digest(c)); !errors.Is(err, ErrDuplicate) {
		t.Errorf("Add twice = %v, want ErrDuplicate", err)
	}
	if _, err := s.Add("ok/x", bytes.NewReader(c), int64(len(c)), digest(c)); !errors.Is(err, ErrDuplicate) {
		t.Errorf("Add under a file = %v, want ErrDuplicate", err)
	}
	deep := strings.Repeat("d/", maxDepth) + "f"
	if _, err := s.Add(deep, bytes.NewReader(c), int64(len(c)), digest(c)); !errors.Is(err, ErrBadPath) {
		t.Errorf("Add too deep = %v, want ErrBadPath", err)
	}
}

func TestExpiry(t *testing.T) {
	dest := t.TempDir()
	pub, priv := testKeys(t)
	opts := testOptions()
	opts.Expires = 24 * time.Hour
	s, err := Begin(dest, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Add("a", strings.NewReader("a"), 1, digest([]byte("a")))
	final, err := s.Publish(priv, Info{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		now    time.Time
		ignore bool
		want   string
	}{
		{testNow.Add(23 * time.Hour), false, ""},
		{testNow.Add(25 * time.Hour), false, "expired " + ManifestPath},
		{testNow.Add(25 * time.Hour), true, ""},
	} {
		_, problems, err := Verify(final, []minisign.PublicKey{pub}, VerifyOptions{Now: func() time.Time { return tc.now }, IgnoreExpiry: tc.ignore})
		if err != nil || problemKinds(problems) != tc.want {
			t.Errorf("Verify at %v (ignore %v) = %q, %v, want %q", tc.now, tc.ignore, problemKinds(problems), err, tc.want)
		}
	}
}

func TestBeginRefuses(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	for _, tc := range []struct {
		dest string
		opts Options
	}{
		{filepath.Join(dir, "missing"), testOptions()},
		{file, testOptions()},
		{dir, Options{StationID: "gate 1"}},
		{dir, Options{StationID: ""}},
		{dir, Options{StationID: "a", Expires: -time.Second}},
	} {
		if s, err := Begin(tc.dest, tc.opts); err == nil {
			s.Abort()
			t.Errorf("Begin(%s, %+v) succeeded", tc.dest, tc.opts)
		}
	}
}

// Any destination write failure, not only the named ones, closes the
// staging and removes it.
func TestWriteFailureAborts(t *testing.T) {
	dest := t.TempDir()
	s, err := Begin(dest, testOptions())
	must(t, err)
	defer s.Abort()
	must(t, os.Remove(filepath.Join(s.dir, metaDir, "blobs")))
	_, err = s.Add("a", strings.NewReader("a"), 1, digest([]byte("a")))
	if err == nil || !strings.Contains(err.Error(), "write transfer: ") || errors.Is(err, ErrNoSpace) {
		t.Fatalf("Add into a vanished staging = %v, want a plain write error", err)
	}
	if got := listTree(t, dest); len(got) != 0 {
		t.Errorf("dest holds %q, want the staging removed", got)
	}
	if _, err := s.Add("b", strings.NewReader("b"), 1, digest([]byte("b"))); !errors.Is(err, ErrClosed) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Add after the failure = %v, want ErrClosed with the cause", err)
	}
}
