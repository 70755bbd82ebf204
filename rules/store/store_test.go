package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/rules/bundle"
	"github.com/sluice-ot/sluice/scanner/hashdb"
)

func TestImport(t *testing.T) {
	f := newFixture(t)
	if _, ok := f.s.Active(); ok {
		t.Fatal("Active() on an empty store = true")
	}
	if stale, why := f.s.Stale(f.now); !stale || why == "" {
		t.Errorf("Stale() on an empty store = %t %q, want true and a reason", stale, why)
	}
	res, err := f.s.Import(f.build(t, 1, nil), "root")
	if err != nil {
		t.Fatalf("Import(v1) = %v", err)
	}
	if res.Outcome != OutcomeInstalled || res.Bundle.Version != 1 || res.Previous != 0 {
		t.Errorf("Import(v1) = %+v, want installed version 1", res)
	}
	in, ok := f.s.Active()
	if !ok || in.Version != 1 || in.Name != "plant-rules" || in.Rules != 1 || in.RuleFiles != 1 ||
		in.BlockEntries != 2 || in.AllowEntries != 1 || !in.Active || in.By != "root" || len(in.SHA256) != 64 {
		t.Fatalf("Active() = %+v, %t", in, ok)
	}
	target, err := os.Readlink(filepath.Join(f.dir, "active"))
	if err != nil || target != "v0000001" {
		t.Errorf("active -> %q, %v; want v0000001", target, err)
	}
	for _, name := range []string{"bundle.tar", "bundle.tar.minisig", "installed.json", "block-block.txt.table", "allow-allow.txt.table"} {
		if _, err := os.Stat(filepath.Join(f.dir, "v0000001", name)); err != nil {
			t.Errorf("stored bundle lacks %s: %v", name, err)
		}
	}
	if got := f.audit.last(); !strings.HasPrefix(got, "rules.import ") || !strings.Contains(got, `"result":"installed"`) ||
		!strings.Contains(got, `"by":"root"`) || !strings.Contains(got, `"version":1`) {
		t.Errorf("audit = %s", got)
	}

	set, used, err := f.s.Engines(time.Second)
	if err != nil {
		t.Fatalf("Engines() = %v", err)
	}
	defer set.Close()
	if used.Version != 1 || set.Rules.Count() <= 1 || len(set.Block) != 1 || len(set.Allow) != 1 {
		t.Errorf("Engines() = %d rules, %d block, %d allow lists for version %d", set.Rules.Count(), len(set.Block), len(set.Allow), used.Version)
	}
	sum, _ := hexDecode(eicarSHA)
	if label, ok := set.Block[0].Lookup(hashdb.SHA256, sum); !ok || label != "eicar.com" {
		t.Errorf("block table Lookup(eicar) = %q, %t", label, ok)
	}

	// A reopened store sees the same.
	again := f.open(t)
	if in2, ok := again.Active(); !ok || in2.SHA256 != in.SHA256 || len(again.List()) != 1 {
		t.Errorf("reopened: Active() = %+v, %t; List() = %d", in2, ok, len(again.List()))
	}
}

// Every refusal leaves the store as it was and is audited with its reason.
func TestImportRefused(t *testing.T) {
	f := newFixture(t)
	v2 := f.build(t, 2, nil)
	if _, err := f.s.Import(v2, "root"); err != nil {
		t.Fatal(err)
	}
	_, otherKey, err := minisign.GenerateKey(nil)
	must(t, err)

	tampered := f.build(t, 3, nil)
	data, err := os.ReadFile(tampered)
	must(t, err)
	i := strings.Index(string(data), "store-marker-5521")
	data[i] ^= 0x01
	must(t, os.WriteFile(tampered, data, 0o644))

	untrusted := f.build(t, 3, nil)
	must(t, bundle.Sign(untrusted, otherKey))

	unsigned := f.build(t, 3, nil)
	must(t, os.Remove(unsigned+bundle.SignatureExt))

	expired := f.build(t, 3, func(o *bundle.BuildOptions) { o.Expires = testNow.Add(24 * time.Hour) })

	badLines := f.build(t, 3, func(o *bundle.BuildOptions) {
		p := filepath.Join(t.TempDir(), "bad.txt")
		must(t, os.WriteFile(p, []byte(eicarSHA+"  x\nnot-a-hash\n"), 0o644))
		o.Block = append(o.Block, p)
	})
	rejected := craft(t, filepath.Join(f.work, "rejected.tar"), 3, map[string]string{
		"yara/good.yar": goodRule, "yara/broken.yar": badRule,
	}, f.priv)

	tests := []struct {
		name    string
		path    string
		now     time.Time
		want    error
		outcome string
		reason  string
	}{
		{"tampered", tampered, testNow, bundle.ErrBadSignature, OutcomeRefused, "does not verify"},
		{"untrusted key", untrusted, testNow, bundle.ErrUntrustedKey, OutcomeRefused, "not trusted"},
		{"unsigned", unsigned, testNow, bundle.ErrUnsigned, OutcomeRefused, "not signed"},
		{"downgrade", f.build(t, 1, nil), testNow, ErrDowngrade, OutcomeRefused, "older than the active"},
		{"equal version", v2, testNow, ErrAlreadyInstalled, OutcomeAlreadyInstalled, "already installed"},
		{"equal version rebuilt", f.build(t, 2, func(o *bundle.BuildOptions) { o.Name = "other" }), testNow, ErrAlreadyInstalled, OutcomeAlreadyInstalled, "already installed"},
		{"expired", expired, testNow.Add(48 * time.Hour), ErrExpired, OutcomeRefused, "expired"},
		{"rules rejected", rejected, testNow, ErrRulesRejected, OutcomeRefused, "yara/broken.yar"},
		{"bad hash list", badLines, testNow, ErrBadHashList, OutcomeRefused, "hashes/block/bad.txt"},
		{"missing file", filepath.Join(f.work, "nope.tar"), testNow, os.ErrNotExist, OutcomeFailed, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, f.dir)
			f.now = tt.now
			defer func() { f.now = testNow }()
			n := f.audit.count()
			res, err := f.s.Import(tt.path, "token 7f3a")
			if !errors.Is(err, tt.want) {
				t.Fatalf("Import() error = %v, want %v", err, tt.want)
			}
			if res.Outcome != tt.outcome {
				t.Errorf("Import() outcome = %q, want %q", res.Outcome, tt.outcome)
			}
			wantRefused := tt.outcome == OutcomeRefused && tt.want != ErrDowngrade
			if errors.Is(err, ErrRefused) != wantRefused {
				t.Errorf("errors.Is(%v, ErrRefused) = %t, want %t", err, !wantRefused, wantRefused)
			}
			if after := snapshot(t, f.dir); after != before {
				t.Errorf("store changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if in, _ := f.s.Active(); in.Version != 2 {
				t.Errorf("active version = %d, want 2", in.Version)
			}
			got := f.audit.last()
			if f.audit.count() != n+1 || !strings.Contains(got, `"result":"`+tt.outcome+`"`) || !strings.Contains(got, tt.reason) ||
				!strings.Contains(got, `"by":"token 7f3a"`) {
				t.Errorf("audit = %s, want one rules.import line, %s, with %q", got, tt.outcome, tt.reason)
			}
		})
	}
}

func TestKeepAndPrune(t *testing.T) {
	f := newFixture(t)
	for v := 1; v <= 6; v++ {
		res, err := f.s.Import(f.build(t, v, nil), "root")
		if err != nil {
			t.Fatalf("Import(v%d) = %v", v, err)
		}
		if v == 5 && (len(res.Pruned) != 1 || res.Pruned[0] != 1) {
			t.Errorf("Import(v5) pruned %v, want [1]", res.Pruned)
		}
	}
	var got []int
	for _, in := range f.s.List() {
		got = append(got, in.Version)
	}
	if want := []int{6, 5, 4, 3}; !equalInts(got, want) {
		t.Errorf("List() versions = %v, want %v", got, want)
	}
	if l := f.s.List(); !l[0].Active || l[1].Active {
		t.Errorf("List()[0].Active = %t, [1].Active = %t; want the newest active", l[0].Active, l[1].Active)
	}
	for _, v := range []int{1, 2} {
		if _, err := os.Stat(filepath.Join(f.dir, versionDir(v))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("pruned version %d still on disk: %v", v, err)
		}
	}
	ents, _ := os.ReadDir(f.dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".staging") || strings.HasPrefix(e.Name(), ".trash") {
			t.Errorf("leftover %s", e.Name())
		}
	}
}

func TestRollback(t *testing.T) {
	f := newFixture(t)
	for v := 1; v <= 3; v++ {
		if _, err := f.s.Import(f.build(t, v, nil), "root"); err != nil {
			t.Fatal(err)
		}
	}
	in, err := f.s.Rollback(2, "root")
	if err != nil || in.Version != 2 {
		t.Fatalf("Rollback(2) = %+v, %v", in, err)
	}
	if a, _ := f.s.Active(); a.Version != 2 {
		t.Errorf("active after rollback = %d, want 2", a.Version)
	}
	if got := f.audit.last(); !strings.HasPrefix(got, "rules.rollback ") || !strings.Contains(got, `"result":"rolled-back"`) ||
		!strings.Contains(got, `"from":3`) || !strings.Contains(got, `"version":2`) {
		t.Errorf("audit = %s", got)
	}
	if target, _ := os.Readlink(filepath.Join(f.dir, "active")); target != "v0000002" {
		t.Errorf("active -> %s, want v0000002", target)
	}
	if _, err := f.s.Rollback(9, "root"); !errors.Is(err, ErrNotKept) {
		t.Errorf("Rollback(9) = %v, want ErrNotKept", err)
	} else if got := f.audit.last(); !strings.Contains(got, `"result":"refused"`) || !strings.Contains(got, "no such rule bundle") {
		t.Errorf("audit of a refused rollback = %s", got)
	}
	if _, err := f.s.Rollback(2, "root"); !errors.Is(err, ErrAlreadyInstalled) {
		t.Errorf("Rollback(active) = %v, want ErrAlreadyInstalled", err)
	}
	// After a rollback, a newer version may be imported again.
	if res, err := f.s.Import(f.build(t, 3, nil), "root"); err != nil || res.Bundle.Version != 3 {
		t.Errorf("Import(v3) after rollback = %+v, %v", res, err)
	}
	if got := len(f.s.List()); got != 3 {
		t.Errorf("List() = %d bundles, want 3", got)
	}
	// A rollback checks the kept bundle again: a damaged table refuses it.
	tbl := filepath.Join(f.dir, "v0000001", "block-block.txt.table")
	data, _ := os.ReadFile(tbl)
	data[len(data)-1] ^= 0xff
	must(t, os.WriteFile(tbl, data, 0o600))
	if _, err := f.s.Rollback(1, "root"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Rollback(damaged) = %v, want ErrCorrupt", err)
	}
	if a, _ := f.s.Active(); a.Version != 3 {
		t.Errorf("active after a refused rollback = %d, want 3", a.Version)
	}
}

// A crash leaves staging folders, trash, a half-made link and private
// copies behind; Open deletes them and keeps the active bundle.
func TestCrashLeftovers(t *testing.T) {
	f := newFixture(t)
	if _, err := f.s.Import(f.build(t, 1, nil), "root"); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, f.dir)
	// A crash after staging v2, before its rename.
	staged := filepath.Join(f.dir, ".staging-123")
	must(t, os.MkdirAll(staged, 0o700))
	must(t, os.WriteFile(filepath.Join(staged, "bundle.tar"), []byte("partial"), 0o600))
	must(t, os.MkdirAll(filepath.Join(f.dir, ".trash-9", "v0000000"), 0o700))
	must(t, os.Symlink("v0000002", filepath.Join(f.dir, "active.new")))
	must(t, os.WriteFile(filepath.Join(f.dir, ".tmp", "sluice-bundle-1.tar"), []byte("x"), 0o600))
	s := f.open(t)
	if after := snapshot(t, f.dir); after != before {
		t.Errorf("Open left:\n%s\nwant:\n%s", after, before)
	}
	if in, ok := s.Active(); !ok || in.Version != 1 {
		t.Errorf("Active() = %+v, %t; want version 1", in, ok)
	}

	// A crash after v2's rename, before the switch: v2 is kept, not
	// active, and can be imported again.
	if _, err := s.Import(f.build(t, 2, nil), "root"); err != nil {
		t.Fatal(err)
	}
	must(t, os.Remove(filepath.Join(f.dir, "active")))
	must(t, os.Symlink("v0000001", filepath.Join(f.dir, "active")))
	s = f.open(t)
	if in, _ := s.Active(); in.Version != 1 || len(s.List()) != 2 {
		t.Errorf("after a crash before the switch: active %d, %d kept; want 1 and 2", in.Version, len(s.List()))
	}
	if res, err := s.Import(f.build(t, 2, nil), "root"); err != nil || res.Outcome != OutcomeInstalled {
		t.Errorf("Import(v2) again = %+v, %v", res, err)
	}

	// An active link naming nothing valid is refused, not ignored.
	must(t, os.Remove(filepath.Join(f.dir, "active")))
	must(t, os.Symlink("v0000007", filepath.Join(f.dir, "active")))
	if _, err := Open(f.dir, []minisign.PublicKey{f.pub}, f.options()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Open with a dangling active link = %v, want ErrCorrupt", err)
	}
}

// Imports run one at a time; readers are never blocked into seeing a
// half-made state.
func TestConcurrentImports(t *testing.T) {
	f := newFixture(t)
	var paths []string
	for v := 1; v <= 5; v++ {
		paths = append(paths, f.build(t, v, nil))
	}
	var wg sync.WaitGroup
	stop, readerDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, in := range f.s.List() {
				if _, err := os.Stat(filepath.Join(in.Dir, installedFile)); err != nil {
					t.Errorf("List() names an incomplete bundle %s: %v", in.Dir, err)
				}
			}
			f.s.Stale(testNow)
		}
	}()
	errs := make([]error, len(paths))
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.s.Import(p, "root")
		}()
	}
	wg.Wait()
	// The reader must be gone before the test's folder is removed.
	close(stop)
	<-readerDone
	installed := 0
	for i, err := range errs {
		switch {
		case err == nil:
			installed++
		case errors.Is(err, ErrDowngrade), errors.Is(err, ErrAlreadyInstalled):
		default:
			t.Errorf("Import(v%d) = %v", i+1, err)
		}
	}
	if in, _ := f.s.Active(); in.Version != 5 || installed == 0 {
		t.Errorf("active = %d after %d installs, want 5", in.Version, installed)
	}
	s := f.open(t)
	if in, _ := s.Active(); in.Version != 5 {
		t.Errorf("reopened: active = %d, want 5", in.Version)
	}
}

func TestStale(t *testing.T) {
	f := newFixture(t)
	p := f.build(t, 1, func(o *bundle.BuildOptions) { o.Expires = testNow.Add(60 * 24 * time.Hour) })
	if _, err := f.s.Import(p, "root"); err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	for _, tt := range []struct {
		at    time.Duration
		stale bool
		why   string
	}{
		{0, false, ""},
		{29 * day, false, ""},
		{31 * day, true, "created 31 days ago"},
		{54 * day, true, "expires on 2027-01-25"},
		{61 * day, true, "expired on 2027-01-25"},
	} {
		stale, why := f.s.Stale(testNow.Add(tt.at))
		if stale != tt.stale || why != tt.why {
			t.Errorf("Stale(+%v) = %t %q, want %t %q", tt.at, stale, why, tt.stale, tt.why)
		}
	}
	// The active bundle still loads after it expired.
	f.now = testNow.Add(61 * day)
	set, _, err := f.s.Engines(time.Second)
	if err != nil {
		t.Fatalf("Engines() after expiry = %v", err)
	}
	set.Close()
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A FIFO named as a bundle is refused at once, not waited on: the store
// holds its import lock while it reads.
func TestImportFIFO(t *testing.T) {
	f := newFixture(t)
	fifo := filepath.Join(t.TempDir(), "bundle.tar")
	must(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan error, 1)
	go func() { _, err := f.s.Import(fifo, "test"); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Import(FIFO) succeeded")
		}
		if !errors.Is(err, ErrRefused) || errors.Is(err, bundle.ErrTooLarge) {
			t.Errorf("Import(FIFO) = %v, want ErrRefused, not ErrTooLarge", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Import(FIFO) hangs")
	}
}
