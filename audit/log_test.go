package audit_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/audit"
)

func fixedClock() func() time.Time {
	t := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Millisecond)
		return t
	}
}

// newLog writes a log with n events after log.created and returns its path.
func newLog(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.OpenLog(path, "st-01", fixedClock())
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := l.Append("session.start", map[string]any{"session": fmt.Sprint("s", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(string(b), "\n")[:bytes.Count(b, []byte("\n"))]
}

func TestVerifyTampering(t *testing.T) {
	path := newLog(t, 5) // 6 lines
	orig := lines(t, path)
	tests := []struct {
		name     string
		edit     func([]string) []string
		wantLine int
		wantIn   string
	}{
		{"intact", func(l []string) []string { return l }, 0, ""},
		{"edited data", func(l []string) []string { l[2] = strings.Replace(l[2], `"s1"`, `"s9"`, 1); return l }, 4, "line 3 was changed"},
		{"deleted line", func(l []string) []string { return append(l[:3], l[4:]...) }, 4, "seq is 5, want 4"},
		{"swapped lines", func(l []string) []string { l[2], l[3] = l[3], l[2]; return l }, 3, "seq is 4, want 3"},
		{"deleted first", func(l []string) []string { return l[1:] }, 1, "seq is 2, want 1"},
		{"invalid json", func(l []string) []string { l[1] = "{" + l[1]; return l }, 2, "not a valid entry"},
		{"unknown field", func(l []string) []string { l[1] = strings.Replace(l[1], `"seq"`, `"x":1,"seq"`, 1); return l }, 2, "unknown field"},
		{"short hash", func(l []string) []string { l[4] = cutHash(l[4]); return l }, 5, "prev hash has 63 characters"},
		{"torn tail", func(l []string) []string { l[5] = l[5][:20]; return l }, 6, "torn line"},
		{"empty", func(l []string) []string { return nil }, 1, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.edit(append([]string(nil), orig...))
			n, err := audit.Verify(strings.NewReader(strings.Join(l, "")))
			var ce *audit.ChainError
			if tt.wantLine == 0 {
				if err != nil || n != len(orig) {
					t.Fatalf("Verify = %d, %v, want %d, nil", n, err, len(orig))
				}
				return
			}
			if !errors.As(err, &ce) || ce.Line != tt.wantLine || !strings.Contains(ce.Reason, tt.wantIn) {
				t.Fatalf("Verify = %d, %v, want line %d: ...%s...", n, err, tt.wantLine, tt.wantIn)
			}
		})
	}
}

func cutHash(line string) string {
	i := strings.Index(line, `"prev":"`) + len(`"prev":"`)
	return line[:i] + line[i+1:]
}

func TestOpenContinuesChain(t *testing.T) {
	path := newLog(t, 2)
	l, err := audit.OpenLog(path, "st-01", fixedClock())
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append("station.stop", nil); err != nil {
		t.Fatal(err)
	}
	if h := l.Head(); h.Seq != 4 {
		t.Errorf("Head().Seq = %d, want 4", h.Seq)
	}
	head := l.Head()
	l.Close()
	f, _ := os.Open(path)
	defer f.Close()
	if n, err := audit.VerifyAnchor(f, head); n != 4 || err != nil {
		t.Fatalf("VerifyAnchor = %d, %v, want 4, nil", n, err)
	}
	// Tail deletion is caught only with the anchor.
	l4 := lines(t, path)
	short := strings.Join(l4[:3], "")
	if _, err := audit.Verify(strings.NewReader(short)); err != nil {
		t.Errorf("Verify(tail removed) = %v, want nil (undetectable without anchor)", err)
	}
	var ce *audit.ChainError
	if _, err := audit.VerifyAnchor(strings.NewReader(short), head); !errors.As(err, &ce) || ce.Line != 4 {
		t.Errorf("VerifyAnchor(tail removed) = %v, want line 4", err)
	}
}

func TestOpenRecoversTornLine(t *testing.T) {
	path := newLog(t, 2)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":4,"time":"2025`)
	f.Close()
	l, err := audit.OpenLog(path, "st-01", fixedClock())
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	got := lines(t, path)
	if len(got) != 4 || !strings.Contains(got[3], `"type":"log.recovered"`) || !strings.Contains(got[3], `"discarded_bytes":21`) {
		t.Fatalf("after recovery last line = %q", got[len(got)-1])
	}
	f, _ = os.Open(path)
	defer f.Close()
	if n, err := audit.Verify(f); n != 4 || err != nil {
		t.Fatalf("Verify = %d, %v, want 4, nil", n, err)
	}
}

func TestOpenRefusesCorruptTail(t *testing.T) {
	path := newLog(t, 1)
	os.WriteFile(path, []byte("garbage\n"), 0o600)
	if _, err := audit.OpenLog(path, "st-01", fixedClock()); err == nil {
		t.Fatal("OpenLog(corrupt last line) = nil error")
	}
}

func TestFileMode(t *testing.T) {
	path := newLog(t, 0)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, %v, want 0600", fi.Mode().Perm(), err)
	}
}

func TestAppendConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.OpenLog(path, "st-01", fixedClock())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				if err := l.Append("device.refused", map[string]int{"g": g, "i": i}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	l.Close()
	f, _ := os.Open(path)
	defer f.Close()
	if n, err := audit.Verify(f); n != 201 || err != nil {
		t.Fatalf("Verify = %d, %v, want 201, nil", n, err)
	}
}

var update = flag.Bool("update", false, "rewrite testdata seeds")

// TestSeeds checks that the fuzz seeds in testdata still are what their
// names say (one intact log, one with an edited line, one torn), and with
// -update rewrites them.
func TestSeeds(t *testing.T) {
	if !*update {
		for name, wantErr := range map[string]bool{"valid.log": false, "edited.log": true, "torn.log": true} {
			b, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatalf("%v; run go test -run TestSeeds -update", err)
			}
			if _, err := audit.Verify(bytes.NewReader(b)); (err != nil) != wantErr {
				t.Errorf("Verify(testdata/%s) error = %v, want an error: %v", name, err, wantErr)
			}
		}
		return
	}
	path := newLog(t, 3)
	b, _ := os.ReadFile(path)
	os.WriteFile("testdata/valid.log", b, 0o644)
	os.WriteFile("testdata/edited.log", bytes.Replace(b, []byte(`"s1"`), []byte(`"s7"`), 1), 0o644)
	os.WriteFile("testdata/torn.log", b[:len(b)-9], 0o644)
}

func FuzzVerify(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.log")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := audit.Verify(bytes.NewReader(b))
		var ce *audit.ChainError
		if err != nil && (!errors.As(err, &ce) || ce.Line < 1 || ce.Line > n+1) {
			t.Fatalf("Verify = %d, %v: want a ChainError within the lines read", n, err)
		}
	})
}

// Trailing junk after a line's object is refused, even a lone '}'.
func TestVerifyTrailingJunk(t *testing.T) {
	b, err := os.ReadFile(newLog(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	first := bytes.IndexByte(b, '\n')
	junk := append(append(append([]byte{}, b[:first]...), '}'), b[first:]...)
	if _, err := audit.Verify(bytes.NewReader(junk)); err == nil {
		t.Errorf("Verify accepted a line ending in a stray '}'")
	}
}

// A log whose last complete line is not an entry is left untouched, torn
// tail included: it is evidence, not a crash to repair.
func TestOpenLogKeepsTamperedTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	data := []byte("{\"not\":\"an entry\"}\n{\"seq\":9,\"ti")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.OpenLog(path, "st", time.Now); err == nil {
		t.Fatal("OpenLog accepted a log whose last line is not an entry")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Errorf("OpenLog changed a log it refused: %q", got)
	}
}
