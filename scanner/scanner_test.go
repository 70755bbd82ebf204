package scanner_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/filetype"
	"github.com/sluice-ot/sluice/scanner/hashdb"
)

// needleEngine is a hand-written stand-in for YARA: it reports a finding
// when the object's bytes contain needle, and fails on objects named fail.
type needleEngine struct {
	needle []byte
	fail   string
	mu     sync.Mutex
	seen   []string
}

func (e *needleEngine) Name() string { return "needle" }

func (e *needleEngine) Scan(ctx context.Context, obj *scanner.Object) ([]scanner.Finding, error) {
	e.mu.Lock()
	e.seen = append(e.seen, obj.Path)
	e.mu.Unlock()
	if obj.Name == e.fail && e.fail != "" {
		return nil, errors.New("engine exploded")
	}
	b, err := io.ReadAll(obj.File)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(b, e.needle) {
		return []scanner.Finding{{Engine: "needle", Rule: "Needle", Verdict: scanner.Infected}}, nil
	}
	return nil, nil
}

// scanTree runs one scan and returns the results by path relative to root.
func scanTree(t *testing.T, cfg scanner.Config, root string) (map[string]*scanner.Result, scanner.Summary) {
	t.Helper()
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = t.TempDir()
	}
	if cfg.Engines == nil {
		cfg.Engines = []scanner.Engine{&needleEngine{needle: corpus.EICAR}}
	}
	if cfg.Policy.Allow == nil {
		cfg.Policy = filetype.DefaultPolicy()
	}
	sc, err := scanner.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*scanner.Result{}
	var mu sync.Mutex
	sum, err := sc.Scan(context.Background(), []string{root}, func(r *scanner.Result, f *os.File) error {
		mu.Lock()
		defer mu.Unlock()
		if _, dup := got[r.Rel]; dup {
			t.Errorf("result for %s delivered twice", r.Rel)
		}
		got[r.Rel] = r
		if f != nil {
			b, err := io.ReadAll(f)
			if err != nil {
				t.Errorf("read spool copy of %s: %v", r.Rel, err)
			}
			if s := sha256.Sum256(b); hex.EncodeToString(s[:]) != r.SHA256 {
				t.Errorf("spool copy of %s does not hash to the reported sha256", r.Rel)
			}
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatalf("Scan(%s) error = %v", root, err)
	}
	if ents, _ := os.ReadDir(cfg.SpoolDir); len(ents) != 0 {
		t.Errorf("spool %s not empty after scan: %d entries", cfg.SpoolDir, len(ents))
	}
	return got, sum
}

func writeFiles(t *testing.T, files map[string][]byte) string {
	t.Helper()
	root := t.TempDir()
	var list []corpus.File
	for p, d := range files {
		list = append(list, corpus.File{Path: p, Data: d})
	}
	if err := corpus.Write(root, list); err != nil {
		t.Fatal(err)
	}
	return root
}

func ruleOf(r *scanner.Result) []string {
	var rules []string
	for _, f := range r.Findings {
		rules = append(rules, f.Engine+"/"+f.Rule)
	}
	sort.Strings(rules)
	return rules
}

func hasRule(r *scanner.Result, engine, rule string) bool {
	for _, f := range r.Findings {
		if f.Engine == engine && f.Rule == rule {
			return true
		}
	}
	return false
}

// The verdicts are the same whether the engine reads spool files only
// (it is given files even for objects held in memory) or reads the
// bytes held in memory.
func TestVerdicts(t *testing.T) {
	t.Run("file engine", func(t *testing.T) {
		testVerdicts(t, &needleEngine{needle: corpus.EICAR})
	})
	t.Run("data engine", func(t *testing.T) {
		testVerdicts(t, &dataNeedle{needleEngine{needle: corpus.EICAR}})
	})
}

func testVerdicts(t *testing.T, e scanner.Engine) {
	root := writeFiles(t, map[string][]byte{
		"ok/report.pdf":       corpus.PDF("hello"),
		"ok/notes.txt":        []byte("plain words\n"),
		"ok/photo.png":        corpus.PNG(8, 8),
		"ok/doc.docx":         corpus.Docx("text", false),
		"ok/backup.tar.gz":    corpus.TarGz(corpus.Member{Name: "a.txt", Data: []byte("a")}),
		"eicar.com.txt":       corpus.EICAR,
		"deep.zip":            corpus.NestZip("eicar.txt", corpus.EICAR, 3),
		"nested.tar.gz":       corpus.TarGz(corpus.Member{Name: "in/x.zip", Data: corpus.Zip(corpus.Member{Name: "e.txt", Data: corpus.EICAR})}),
		"secret.zip":          corpus.EncryptedZip("a.xlsx", 100),
		"invoice.pdf":         corpus.PE(),
		"slip.zip":            corpus.Zip(corpus.Member{Name: "../../evil.txt", Data: []byte("x")}),
		"links.tar":           corpus.TarWithSymlink("passwd", "/etc/passwd"),
		"bomb.zip":            corpus.ZipBomb(20 << 20),
		"corrupt.zip":         corpus.Zip(corpus.Member{Name: "a.txt", Data: []byte("data")})[:30],
		"setup.exe":           corpus.PE(),
		"dir with space/a.md": []byte("# title\n"),
	})
	got, sum := scanTree(t, scanner.Config{Engines: []scanner.Engine{e}}, root)
	want := map[string]struct {
		v      scanner.Verdict
		engine string
		rule   string
		member string
	}{
		"ok/report.pdf":       {scanner.Clean, "", "", ""},
		"ok/notes.txt":        {scanner.Clean, "", "", ""},
		"ok/photo.png":        {scanner.Clean, "", "", ""},
		"ok/doc.docx":         {scanner.Clean, "", "", ""},
		"ok/backup.tar.gz":    {scanner.Clean, "", "", ""},
		"dir with space/a.md": {scanner.Clean, "", "", ""},
		"eicar.com.txt":       {scanner.Infected, "needle", "Needle", ""},
		"deep.zip":            {scanner.Infected, "needle", "Needle", "level-2.zip/level-3.zip/eicar.txt"},
		"nested.tar.gz":       {scanner.Infected, "needle", "Needle", "in/x.zip/e.txt"},
		"secret.zip":          {scanner.Blocked, "archive", "encrypted", "a.xlsx"},
		"invoice.pdf":         {scanner.Blocked, "type", "", ""},
		"slip.zip":            {scanner.Blocked, "archive", "unsafe-member-name", "../../evil.txt"},
		"links.tar":           {scanner.Blocked, "archive", "link-or-special-member", "passwd"},
		"bomb.zip":            {scanner.Blocked, "archive", "ratio-limit", ""},
		"corrupt.zip":         {scanner.Blocked, "archive", "unreadable-archive", ""},
		"setup.exe":           {scanner.Blocked, "type", "", ""},
	}
	for rel, w := range want {
		r := got[rel]
		if r == nil {
			t.Errorf("no result for %s", rel)
			continue
		}
		if r.Verdict != w.v {
			t.Errorf("%s: verdict = %s (%v), want %s", rel, r.Verdict, r.Reasons, w.v)
			continue
		}
		if w.engine == "" {
			continue
		}
		found := false
		for _, f := range r.Findings {
			if f.Engine == w.engine && (w.rule == "" || f.Rule == w.rule) && (w.member == "" || f.Member == w.member) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: findings = %+v, want %s/%s in member %q", rel, r.Findings, w.engine, w.rule, w.member)
		}
	}
	if sum.Files != len(want) || sum.Counts.Total() != len(want) {
		t.Errorf("summary = %+v, want %d files", sum, len(want))
	}
	if r := got["deep.zip"]; r != nil && r.Members < 3 {
		t.Errorf("deep.zip: members inspected = %d, want >= 3", r.Members)
	}
}

func TestNonRegularEntries(t *testing.T) {
	root := writeFiles(t, map[string][]byte{"a/file.txt": []byte("x")})
	must(t, os.Symlink("..", filepath.Join(root, "a", "loop")))           // a symlink loop
	must(t, os.Symlink("/etc/passwd", filepath.Join(root, "passwd.txt"))) // a link out of the drive
	must(t, syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644))
	got, _ := scanTree(t, scanner.Config{}, root)
	for rel, kind := range map[string]string{"a/loop": "symlink", "passwd.txt": "symlink", "pipe": "fifo"} {
		r := got[rel]
		if r == nil || r.Verdict != scanner.Blocked || r.Kind != kind {
			t.Errorf("%s = %+v, want blocked %s", rel, r, kind)
		}
	}
	if r := got["a/file.txt"]; r == nil || r.Verdict != scanner.Clean {
		t.Errorf("a/file.txt = %+v, want clean", r)
	}
	if len(got) != 4 {
		t.Errorf("got %d results, want 4 (nothing followed through the links)", len(got))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestWalkLimits(t *testing.T) {
	deep := strings.Repeat("d/", 5) + "f.txt"
	long := strings.Repeat("x", 60) + ".txt"
	root := writeFiles(t, map[string][]byte{deep: []byte("x"), long: []byte("y"), "ok.txt": []byte("z")})
	got, _ := scanTree(t, scanner.Config{Limits: scanner.Limits{MaxDepth: 3, MaxPathLen: 50}}, root)
	if r := got["d/d/d/d"]; r == nil || !hasRule(r, "walk", "depth-limit") || r.Verdict != scanner.Blocked {
		t.Errorf("deep folder = %+v, want blocked by depth-limit", r)
	}
	if r := got[long]; r == nil || !hasRule(r, "walk", "path-length-limit") {
		t.Errorf("long name = %+v, want blocked by path-length-limit", r)
	}
	if _, ok := got[deep]; ok {
		t.Errorf("%s was scanned below the depth limit", deep)
	}

	many := map[string][]byte{}
	for i := range 30 {
		many[filepath.Join("m", string(rune('a'+i%26))+strings.Repeat("z", i/26)+".txt")] = []byte("x")
	}
	got, _ = scanTree(t, scanner.Config{Limits: scanner.Limits{MaxFiles: 10}}, writeFiles(t, many))
	limited := 0
	for _, r := range got {
		if hasRule(r, "walk", "file-count-limit") {
			limited++
		}
	}
	if limited != 1 || len(got) != 10 {
		t.Errorf("with MaxFiles 10: %d results, %d naming the limit; want 10 and 1", len(got), limited)
	}
}

func TestArchiveLimits(t *testing.T) {
	tenMembers := make([]corpus.Member, 10)
	for i := range tenMembers {
		tenMembers[i] = corpus.Member{Name: string(rune('a'+i)) + ".txt", Data: []byte("member")}
	}
	root := writeFiles(t, map[string][]byte{
		"deep.zip":   corpus.NestZip("x.txt", []byte("x"), 4),
		"many.zip":   corpus.Zip(tenMembers...),
		"big.tar.gz": corpus.TarGz(corpus.Member{Name: "big.bin", Data: corpus.Pseudorandom(3<<20, 1)}),
	})
	got, _ := scanTree(t, scanner.Config{Limits: scanner.Limits{ArchiveDepth: 2, ArchiveMembers: 5, ArchiveBytes: 2 << 20}}, root)
	for rel, rule := range map[string]string{"deep.zip": "depth-limit", "many.zip": "member-limit", "big.tar.gz": "size-limit"} {
		if r := got[rel]; r == nil || r.Verdict != scanner.Blocked || !hasRule(r, "archive", rule) {
			t.Errorf("%s = %v, want blocked by %s", rel, ruleOf(r), rule)
		}
	}
}

func TestEngineErrorBlocks(t *testing.T) {
	root := writeFiles(t, map[string][]byte{"boom.txt": []byte("x"), "fine.txt": []byte("y")})
	got, _ := scanTree(t, scanner.Config{Engines: []scanner.Engine{&needleEngine{needle: corpus.EICAR, fail: "boom.txt"}}}, root)
	if r := got["boom.txt"]; r == nil || r.Verdict != scanner.Blocked || !hasRule(r, "needle", "incomplete") {
		t.Errorf("boom.txt = %+v, want blocked: engine error is never clean", r)
	}
	if r := got["fine.txt"]; r == nil || r.Verdict != scanner.Clean {
		t.Errorf("fine.txt = %+v, want clean", r)
	}
}

func TestHashLists(t *testing.T) {
	bad, good := []byte("known bad bytes\n"), corpus.PE()
	dir := t.TempDir()
	list := func(name string, data ...[]byte) *hashdb.List {
		var entries []hashdb.Entry
		for _, d := range data {
			s := sha256.Sum256(d)
			entries = append(entries, hashdb.Entry{Algo: hashdb.SHA256, Sum: s[:], Label: "label-" + name})
		}
		p := filepath.Join(dir, name)
		must(t, hashdb.Write(p, entries))
		l, err := hashdb.Open(p)
		must(t, err)
		t.Cleanup(func() { l.Close() })
		return l
	}
	eng := &needleEngine{needle: []byte("never")}
	root := writeFiles(t, map[string][]byte{
		"bad.txt":    bad,
		"in.zip":     corpus.Zip(corpus.Member{Name: "bad.txt", Data: bad}),
		"signed.exe": good, // allowlisted, but the type policy still applies
	})
	got, _ := scanTree(t, scanner.Config{Engines: []scanner.Engine{eng}, Blocklists: []*hashdb.List{list("block", bad)}, Allowlists: []*hashdb.List{list("allow", good)}}, root)
	if r := got["bad.txt"]; r == nil || r.Verdict != scanner.Infected || !hasRule(r, "hashdb", "block") {
		t.Errorf("bad.txt = %+v, want infected by blocklist", r)
	}
	if r := got["in.zip"]; r == nil || r.Verdict != scanner.Infected {
		t.Errorf("in.zip = %+v, want infected: lists apply to members", r)
	}
	if r := got["signed.exe"]; r == nil || !r.KnownGood || r.Verdict != scanner.Blocked {
		t.Errorf("signed.exe = %+v, want known-good but still blocked by type", r)
	}
	for _, p := range eng.seen {
		if strings.HasSuffix(p, "signed.exe") || strings.HasSuffix(p, "bad.txt") && !strings.Contains(p, ".zip") {
			t.Errorf("engine ran on %s, which the hash lists had already decided", p)
		}
	}
}

func TestHandlerErrorStopsScan(t *testing.T) {
	files := map[string][]byte{}
	for i := range 50 {
		files[filepath.Join("f", strings.Repeat("a", i+1))] = []byte("x")
	}
	root := writeFiles(t, files)
	sc, err := scanner.New(scanner.Config{SpoolDir: t.TempDir(), Policy: filetype.DefaultPolicy()})
	must(t, err)
	n := 0
	_, err = sc.Scan(context.Background(), []string{root}, func(*scanner.Result, *os.File) error {
		n++
		if n == 3 {
			return errors.New("disk full")
		}
		return nil
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "disk full") || n != 3 {
		t.Errorf("Scan with failing handler = %v after %d calls, want the handler's error after 3", err, n)
	}
}

func TestMissingRoot(t *testing.T) {
	sc, err := scanner.New(scanner.Config{SpoolDir: t.TempDir()})
	must(t, err)
	_, err = sc.Scan(context.Background(), []string{filepath.Join(t.TempDir(), "nope")}, func(*scanner.Result, *os.File) error { return nil }, nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Scan(missing) error = %v, want ErrNotExist", err)
	}
}

func TestCancel(t *testing.T) {
	files := map[string][]byte{}
	for i := range 200 {
		files[filepath.Join("f", strings.Repeat("b", i+1))] = []byte("x")
	}
	root := writeFiles(t, files)
	spool := t.TempDir()
	sc, err := scanner.New(scanner.Config{SpoolDir: spool, Policy: filetype.DefaultPolicy()})
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err = sc.Scan(ctx, []string{root}, func(*scanner.Result, *os.File) error {
		if n++; n == 5 {
			cancel()
		}
		return nil
	}, nil)
	if !errors.Is(err, context.Canceled) || n >= 200 {
		t.Errorf("cancelled Scan = %v after %d results, want context.Canceled before the end", err, n)
	}
	if ents, _ := os.ReadDir(spool); len(ents) != 0 {
		t.Errorf("spool not empty after cancel: %d entries", len(ents))
	}
}

func TestProgress(t *testing.T) {
	root := writeFiles(t, map[string][]byte{"a.txt": bytes.Repeat([]byte("a"), 1000), "b.txt": []byte("bb")})
	sc, err := scanner.New(scanner.Config{SpoolDir: t.TempDir(), Policy: filetype.DefaultPolicy()})
	must(t, err)
	p := scanner.NewProgress(nil)
	_, err = sc.Scan(context.Background(), []string{root}, func(*scanner.Result, *os.File) error { return nil }, p)
	must(t, err)
	s := p.Snapshot()
	if s.FilesTotal != 2 || s.FilesDone != 2 || s.BytesTotal != 1002 || s.BytesDone != 1002 || s.Counts.Clean != 2 {
		t.Errorf("final progress = %+v, want 2/2 files, 1002/1002 bytes, 2 clean", s)
	}
}

// A cancel during the walk stops it: a drive pulled out must not wait for
// a huge tree to be listed, and nothing is judged.
func TestCancelDuringWalk(t *testing.T) {
	files := map[string][]byte{}
	for i := range 300 {
		files[filepath.Join("d", strings.Repeat("c", i%40+1), strings.Repeat("f", i/40+1))] = []byte("x")
	}
	root := writeFiles(t, files)
	sc, err := scanner.New(scanner.Config{SpoolDir: t.TempDir(), Policy: filetype.DefaultPolicy()})
	must(t, err)
	ctx, cancel := context.WithCancelCause(context.Background())
	removed := errors.New("drive removed")
	cancel(removed)
	calls := 0
	p := scanner.NewProgress(nil)
	_, err = sc.Scan(ctx, []string{root}, func(*scanner.Result, *os.File) error { calls++; return nil }, p)
	if !errors.Is(err, removed) || calls != 0 {
		t.Errorf("Scan after a cancel = %v with %d results, want the cause and none", err, calls)
	}
	// The walk stopped: it never got as far as counting the tree.
	if total := p.Snapshot().FilesTotal; total != 0 {
		t.Errorf("progress counted %d files, want the walk stopped before counting", total)
	}
}

// Archives crafted to hide a member from the scanner.
func TestHiddenMembers(t *testing.T) {
	// A member marked a directory (DOS attribute) that holds content.
	var dirZip bytes.Buffer
	zw := zip.NewWriter(&dirZip)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "payload.txt", Method: zip.Store, CreatorVersion: 0 << 8, ExternalAttrs: 0x10})
	must(t, err)
	w.Write(corpus.EICAR)
	must(t, zw.Close())

	// A zip appended to a JPEG.
	appended := append(corpus.JPEG(16, 16), corpus.Zip(corpus.Member{Name: "e.txt", Data: corpus.EICAR})...)

	// A plain .zip laid out like a docx, carrying a part of no allowed type.
	fakeDoc := corpus.Zip(
		corpus.Member{Name: "[Content_Types].xml", Data: []byte(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`)},
		corpus.Member{Name: "word/document.xml", Data: []byte("<w:document/>")},
		corpus.Member{Name: "word/blob.bin", Data: corpus.Pseudorandom(4096, 3)},
	)
	root := writeFiles(t, map[string][]byte{"dirmember.zip": dirZip.Bytes(), "photo.jpg": appended, "report.zip": fakeDoc})
	got, _ := scanTree(t, scanner.Config{}, root)
	for rel, want := range map[string]scanner.Verdict{"dirmember.zip": scanner.Infected, "photo.jpg": scanner.Infected, "report.zip": scanner.Blocked} {
		if r := got[rel]; r == nil || r.Verdict != want {
			t.Errorf("%s = %v, want %s", rel, r, want)
		}
	}
	if r := got["report.zip"]; r != nil && !hasRule(r, "type", "type-not-allowed") {
		t.Errorf("report.zip: findings %v, want its unknown part refused by type", ruleOf(r))
	}
}
