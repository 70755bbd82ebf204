package yara

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/filetype"
)

// spool writes data to a file and returns an object for it, open as the
// pipeline would hand it over.
func spool(t testing.TB, name string, data []byte) *scanner.Object {
	t.Helper()
	p := writeFile(t, t.TempDir(), "spool", data)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	sum := md5.Sum(data)
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
	return &scanner.Object{
		Path: "drive/" + name, Name: name, Ext: ext,
		File: f, SpoolPath: p, Size: int64(len(data)),
		Sums: scanner.Sums{MD5: sum[:]},
	}
}

func newEngine(t testing.TB, r *Rules, opts Options) *Engine {
	t.Helper()
	e, err := NewEngine(r, opts)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

func scanFindings(t testing.TB, r *Rules, data string, opts Options) []scanner.Finding {
	t.Helper()
	fs, err := newEngine(t, r, opts).Scan(context.Background(), spool(t, "sample.bin", []byte(data)))
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return fs
}

// scanString returns the matching rule names, sorted and comma-joined.
func scanString(t testing.TB, r *Rules, data string) string {
	t.Helper()
	return ruleNames(scanFindings(t, r, data, Options{}))
}

func ruleNames(fs []scanner.Finding) string {
	var names []string
	for _, f := range fs {
		names = append(names, f.Rule)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

func TestFindings(t *testing.T) {
	r := mustCompile(t, `
rule policy : office macro {
	meta:
		description = "VBA project"
		sluice_action = "block"
		sluice_reason = "contains a macro"
	strings: $a = "policy-marker"
	condition: $a
}
rule virus {
	meta: description = "a test virus"
	strings: $a = "virus-marker"
	condition: $a
}
rule odd_action {
	meta: sluice_action = "shrug"
	strings: $a = "odd-marker"
	condition: $a
}
rule bare { strings: $a = "bare-marker" condition: $a }
private rule hidden { strings: $a = "policy-marker" condition: $a }
`)
	got := scanFindings(t, r, "policy-marker virus-marker odd-marker bare-marker", Options{})
	want := []scanner.Finding{
		{Engine: "yara", Rule: "bare", Verdict: scanner.Infected},
		{Engine: "yara", Rule: "odd_action", Verdict: scanner.Infected},
		{Engine: "yara", Rule: "policy", Detail: "contains a macro; tags: office, macro", Verdict: scanner.Blocked},
		{Engine: "yara", Rule: "virus", Detail: "a test virus", Verdict: scanner.Infected},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if fs := scanFindings(t, r, "nothing here", Options{}); len(fs) != 0 {
		t.Errorf("findings on clean data = %v, want none", fs)
	}
	if fs := scanFindings(t, r, "", Options{}); len(fs) != 0 {
		t.Errorf("findings on an empty file = %v, want none", fs)
	}
}

func TestExternals(t *testing.T) {
	data := []byte("just some text")
	sum := md5.Sum(data)
	r := mustCompile(t, fmt.Sprintf(`
rule by_filename { condition: filename == "Report.PDF" }
rule by_filepath { condition: filepath == "drive/Report.PDF" }
rule by_extension { condition: extension == ".pdf" }
rule by_filetype { condition: filetype == "PDF" }
rule by_md5 { condition: md5 == "%x" }
rule by_parent { condition: unpack_parent == "drive/a.zip" and unpack_source == "zip" }
rule loki_defaults { condition: owner == "" and group == "" and id == "" and filemode == 0 }
`, sum))
	if !r.UsesMD5() {
		t.Error("UsesMD5() = false, want true")
	}
	e := newEngine(t, r, Options{})
	obj := spool(t, "Report.PDF", data)
	obj.Type = filetype.Type{Label: "PDF"}
	obj.Parent, obj.Source = "drive/a.zip", "zip"
	fs, err := e.Scan(context.Background(), obj)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ruleNames(fs), "by_extension,by_filename,by_filepath,by_filetype,by_md5,by_parent,loki_defaults"; got != want {
		t.Errorf("matches = %s, want %s", got, want)
	}

	// The same scanner is reused: nothing of the previous object may stick.
	other := spool(t, "other", []byte("other text"))
	other.Sums.MD5 = nil
	other.File = nil // by path this time
	fs, err = e.Scan(context.Background(), other)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ruleNames(fs), "loki_defaults"; got != want {
		t.Errorf("matches on the next object = %s, want %s", got, want)
	}
}

// An object held in memory is scanned exactly as its spool copy: the
// same rules match, with the same external variables, the built-in
// EICAR rule included; an empty object too.
func TestScanDataMatchesFile(t *testing.T) {
	data := []byte(eicar + "\n" + "policy-marker")
	r := mustCompile(t, `
import "math"
rule eicar_test { strings: $a = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE" condition: $a at 0 or $a }
rule by_name { condition: filename == "in.com" and unpack_parent == "drive/a.zip" }
rule whole { condition: filesize > 60 and math.entropy(0, filesize) > 1.0 }
rule empty { condition: filesize == 0 }
`)
	e := newEngine(t, r, Options{})
	for _, d := range [][]byte{data, {}} {
		file := spool(t, "in.com", d)
		file.Parent, file.Source = "drive/a.zip", "zip"
		mem := *file
		mem.File, mem.SpoolPath, mem.Data = nil, "", d
		want, err := e.Scan(context.Background(), file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Scan(context.Background(), &mem)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%d bytes: findings from memory differ from the file's (-file +memory):\n%s", len(d), diff)
		}
		if len(d) > 0 && ruleNames(got) != "by_name,eicar_test,whole" {
			t.Errorf("matches = %s, want by_name,eicar_test,whole", ruleNames(got))
		}
		if len(d) == 0 && ruleNames(got) != "by_name,empty" {
			t.Errorf("matches on empty data = %s, want by_name,empty", ruleNames(got))
		}
	}
	if !e.ScansData() {
		t.Error("ScansData() = false, want true")
	}
}

func TestUsesMD5False(t *testing.T) {
	r := mustCompile(t, `import "hash" rule a { meta: md5 = "x" condition: hash.md5(0, 1) == "x" }`)
	if r.UsesMD5() {
		t.Error("UsesMD5() = true, want false")
	}
}

func TestScanErrors(t *testing.T) {
	r := mustCompile(t, `rule a { condition: true }`)
	e := newEngine(t, r, Options{})
	obj := spool(t, "x", []byte("x"))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Scan(ctx, obj); !errors.Is(err, context.Canceled) {
		t.Errorf("Scan(cancelled) error = %v, want context.Canceled", err)
	}
	gone := &scanner.Object{Name: "gone", SpoolPath: filepath.Join(t.TempDir(), "gone")}
	if fs, err := e.Scan(context.Background(), gone); err == nil {
		t.Errorf("Scan(missing spool file) = %v, nil; want an error", fs)
	}
	if _, err := e.Scan(context.Background(), &scanner.Object{Name: "none"}); err == nil {
		t.Error("Scan(no spool copy) = nil error, want an error")
	}
	e.Close()
	if _, err := e.Scan(context.Background(), obj); !errors.Is(err, ErrClosed) {
		t.Errorf("Scan after Close error = %v, want ErrClosed", err)
	}
}

func TestRulesOutliveEngines(t *testing.T) {
	r := mustCompile(t, `rule a { condition: true }`)
	e := newEngine(t, r, Options{})
	r.Close() // the engine still holds the rules
	if fs, err := e.Scan(context.Background(), spool(t, "x", []byte("x"))); err != nil || len(fs) != 1 {
		t.Errorf("Scan after Rules.Close = %v, %v; want one finding", fs, err)
	}
	if _, err := NewEngine(r, Options{}); !errors.Is(err, ErrClosed) {
		t.Errorf("NewEngine(closed rules) error = %v, want ErrClosed", err)
	}
}

func TestTimeoutRounding(t *testing.T) {
	r := mustCompile(t, `rule a { condition: true }`)
	for _, tc := range []struct{ in, want time.Duration }{
		{0, DefaultTimeout},
		{time.Nanosecond, time.Second},
		{time.Second, time.Second},
		{1500 * time.Millisecond, 2 * time.Second},
	} {
		if got := newEngine(t, r, Options{Timeout: tc.in}).Timeout(); got != tc.want {
			t.Errorf("NewEngine(Timeout %v).Timeout() = %v, want %v", tc.in, got, tc.want)
		}
	}
	if _, err := NewEngine(r, Options{Timeout: -time.Second}); err == nil {
		t.Error("NewEngine(negative timeout) = nil error, want an error")
	}
}

func TestTimeout(t *testing.T) {
	// Quadratic in the file size: only the timeout ends it.
	r := mustCompile(t, `
rule slow {
	condition:
		for all i in (0..filesize - 1) : (
			for all j in (0..filesize - 1) : ( uint8(i) == uint8(j) )
		)
}`)
	e := newEngine(t, r, Options{Timeout: time.Second})
	obj := spool(t, "big.bin", make([]byte, 1<<20))
	start := time.Now()
	fs, err := e.Scan(context.Background(), obj)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Scan = %v, %v; want ErrTimeout", fs, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Scan took %v with a 1s timeout", d)
	}
	// The scanner goes back to the pool and still works.
	r2 := mustCompile(t, `rule ok { strings: $a = "fine" condition: $a }`)
	e2 := newEngine(t, r2, Options{Timeout: time.Second})
	if fs, err := e2.Scan(context.Background(), spool(t, "x", []byte("fine"))); err != nil || len(fs) != 1 {
		t.Errorf("Scan after a timeout = %v, %v", fs, err)
	}
}

func TestConcurrentScans(t *testing.T) {
	r := mustCompile(t, `
rule content { strings: $a = /item-[0-9]+-marker/ condition: $a }
rule named { condition: filename matches /^odd-/ }
`)
	e := newEngine(t, r, Options{})
	const workers, per = 48, 25
	objs := make([]*scanner.Object, workers*per)
	for i := range objs {
		name := fmt.Sprintf("even-%d.txt", i)
		if i%2 == 1 {
			name = fmt.Sprintf("odd-%d.txt", i)
		}
		data := "plain"
		if i%3 == 0 {
			data = fmt.Sprintf("item-%d-marker", i)
		}
		objs[i] = spool(t, name, []byte(data))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(objs))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(objs); i += workers {
				fs, err := e.Scan(context.Background(), objs[i])
				if err != nil {
					errs <- err
					continue
				}
				var want []string
				if i%3 == 0 {
					want = append(want, "content")
				}
				if i%2 == 1 {
					want = append(want, "named")
				}
				if got := ruleNames(fs); got != strings.Join(want, ",") {
					errs <- fmt.Errorf("object %d: matches %q, want %q", i, got, want)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCloseWaitsForScans(t *testing.T) {
	r := mustCompile(t, `rule a { strings: $a = "x" condition: $a }`)
	e := newEngine(t, r, Options{})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				_, err := e.Scan(context.Background(), spool(t, "x", []byte("xyz")))
				if err != nil && !errors.Is(err, ErrClosed) {
					t.Error(err)
				}
			}
		}()
	}
	time.Sleep(10 * time.Millisecond)
	e.Close()
	wg.Wait()
}

// eicar is the EICAR test file's content.
const eicar = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`
