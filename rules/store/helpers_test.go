package store

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/rules/bundle"
)

var testNow = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

const (
	goodRule  = "rule Store_Marker { strings: $a = \"store-marker-5521\" condition: $a }\n"
	badRule   = "rule Broken {\n  condition:\n    undefined_identifier\n}\n"
	eicarSHA  = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	blockList = eicarSHA + "  eicar.com\n44d88612fea8a8f36de82e1278abb02f;EICAR md5\n"
	allowList = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  empty\n"
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type auditBuf struct {
	mu    sync.Mutex
	lines []string
}

func (a *auditBuf) Append(typ string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lines = append(a.lines, typ+" "+string(b))
	return nil
}

func (a *auditBuf) last() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.lines) == 0 {
		return ""
	}
	return a.lines[len(a.lines)-1]
}

func (a *auditBuf) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.lines)
}

// fixture is a store with a trusted key, an injected clock and an audit
// buffer, and a folder to build bundles in.
type fixture struct {
	dir   string
	work  string
	pub   minisign.PublicKey
	priv  minisign.PrivateKey
	audit *auditBuf
	now   time.Time
	s     *Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pub, priv, err := minisign.GenerateKey(nil)
	must(t, err)
	f := &fixture{dir: filepath.Join(t.TempDir(), "rules"), work: t.TempDir(), pub: pub, priv: priv, audit: &auditBuf{}, now: testNow}
	f.s = f.open(t)
	return f
}

func (f *fixture) open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(f.dir, []minisign.PublicKey{f.pub}, f.options())
	if err != nil {
		t.Fatalf("Open(%s) = %v", f.dir, err)
	}
	return s
}

func (f *fixture) options() Options {
	return Options{Now: func() time.Time { return f.now }, Auditor: f.audit, StaleAfter: 30 * 24 * time.Hour}
}

// build builds and signs a bundle of version v with a good rule and the
// sample lists, created at testNow.
func (f *fixture) build(t *testing.T, v int, mod func(*bundle.BuildOptions)) string {
	t.Helper()
	src := t.TempDir()
	w := func(name, data string) string {
		p := filepath.Join(src, name)
		must(t, os.WriteFile(p, []byte(data), 0o644))
		return p
	}
	o := bundle.BuildOptions{
		Name: "plant-rules", Version: v,
		YARA:  []string{w("marker.yar", goodRule)},
		Block: []string{w("block.txt", blockList)},
		Allow: []string{w("allow.txt", allowList)},
		Now:   func() time.Time { return testNow },
	}
	if mod != nil {
		mod(&o)
	}
	out := filepath.Join(f.work, "v"+itoa(v)+"-"+filepath.Base(src)+".tar")
	if _, err := bundle.Build(o, out); err != nil {
		t.Fatalf("Build(v%d): %v", v, err)
	}
	must(t, bundle.Sign(out, f.priv))
	return out
}

func itoa(v int) string { return strconv.Itoa(v) }

// craft writes a bundle tar by hand with the members given, so that it
// can hold what Build leaves out (a rule this libyara rejects), and signs
// it with priv.
func craft(t *testing.T, out string, v int, members map[string]string, priv minisign.PrivateKey) string {
	t.Helper()
	m := bundle.Manifest{Format: bundle.FormatVersion, Name: "crafted", Version: v, Created: testNow, Contents: []bundle.Member{}}
	var paths []string
	for p := range members {
		paths = append(paths, p)
	}
	sortStrings(paths)
	for _, p := range paths {
		sum := sha256.Sum256([]byte(members[p]))
		mem := bundle.Member{Path: p, Size: int64(len(members[p])), SHA256: hex.EncodeToString(sum[:])}
		switch {
		case strings.HasPrefix(p, "yara/"):
			mem.Kind = bundle.KindYARA
			m.Counts.RuleFiles++
			m.Counts.Rules++
		case strings.HasPrefix(p, "hashes/block/"):
			mem.Kind, mem.Entries = bundle.KindBlock, strings.Count(members[p], "\n")
			m.Counts.BlockLists++
			m.Counts.BlockEntries += mem.Entries
		}
		m.Contents = append(m.Contents, mem)
	}
	man, err := json.MarshalIndent(m, "", "  ")
	must(t, err)
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	add := func(name string, data []byte) {
		must(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: testNow, Format: tar.FormatUSTAR}))
		_, err := tw.Write(data)
		must(t, err)
	}
	add(bundle.ManifestName, append(man, '\n'))
	for _, p := range paths {
		add(p, []byte(members[p]))
	}
	must(t, tw.Close())
	must(t, os.WriteFile(out, b.Bytes(), 0o644))
	must(t, bundle.Sign(out, priv))
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// snapshot lists the store's folder, recursively, with file sizes, to
// show that a refused import changed nothing.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		must(t, err)
		rel, _ := filepath.Rel(dir, p)
		if fi.Mode()&os.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			b.WriteString(rel + " -> " + target + "\n")
			return nil
		}
		b.WriteString(rel)
		if fi.Mode().IsRegular() {
			b.WriteString(" " + itoa(int(fi.Size())))
		}
		b.WriteString("\n")
		return nil
	})
	return b.String()
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }
