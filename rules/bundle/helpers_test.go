package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"aead.dev/minisign"
)

var testNow = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testKeys(t testing.TB) (minisign.PublicKey, minisign.PrivateKey) {
	t.Helper()
	pub, priv, err := minisign.GenerateKey(nil)
	must(t, err)
	return pub, priv
}

// writeFile writes data under dir, creating parents, and returns the path.
func writeFile(t testing.TB, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, []byte(data), 0o644))
	return p
}

const (
	goodRule   = "rule Good_Marker { strings: $a = \"marker-7731\" condition: $a }\n"
	secondRule = "rule Second { condition: filesize < 10 }\nrule Third { condition: true }\n"
	brokenRule = "rule Broken {\n  condition:\n    undefined_identifier\n}\n"
	blockList  = "# LOKI style\n" +
		"44d88612fea8a8f36de82e1278abb02f;EICAR\n" +
		"not-a-hash\n" +
		"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f  eicar.com\n"
	allowList = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  empty\n"
	clamHDB   = "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test\n"
)

// sampleInputs writes rule files (one broken), lists (one bad line) and
// a ClamAV folder, and returns build options for them.
func sampleInputs(t testing.TB) BuildOptions {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "rules/good.yar", goodRule)
	writeFile(t, dir, "rules/sub dir/second.yara", secondRule)
	writeFile(t, dir, "rules/broken.yar", brokenRule)
	writeFile(t, dir, "rules/notes.txt", "not a rule file")
	writeFile(t, dir, "clam/test.hdb", clamHDB)
	writeFile(t, dir, "clam/README", "skipped")
	return BuildOptions{
		Name:    "plant-rules",
		Version: 3,
		YARA:    []string{filepath.Join(dir, "rules")},
		Block:   []string{writeFile(t, dir, "block.txt", blockList)},
		Allow:   []string{writeFile(t, dir, "allow.txt", allowList)},
		ClamAV:  filepath.Join(dir, "clam"),
		Now:     fixedNow,
	}
}

// buildSigned builds the sample bundle and signs it with priv.
func buildSigned(t testing.TB, priv minisign.PrivateKey) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bundle.tar")
	if _, err := Build(sampleInputs(t), out); err != nil {
		t.Fatalf("Build: %v", err)
	}
	must(t, Sign(out, priv))
	return out
}

// signRaw signs whatever is at p, malformed or not, as Sign would sign a
// bundle named name at version 1.
func signRaw(t testing.TB, p string, priv minisign.PrivateKey, name string) {
	t.Helper()
	data, err := os.ReadFile(p)
	must(t, err)
	sum := sha256.Sum256(data)
	m := &Manifest{Name: name, Version: 1}
	r := minisign.NewReader(bytes.NewReader(data))
	_, err = io.Copy(io.Discard, r)
	must(t, err)
	sig := r.SignWithComments(priv, TrustedComment(m, hex.EncodeToString(sum[:])), "test")
	must(t, os.WriteFile(p+SignatureExt, sig, 0o644))
}

// ent is one tar member to craft.
type ent struct {
	hdr  tar.Header
	data string
}

func file(name, data string) ent {
	return ent{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: testNow, Format: tar.FormatUSTAR}, data: data}
}

func special(typ byte, name, link string) ent {
	return ent{hdr: tar.Header{Typeflag: typ, Name: name, Linkname: link, Mode: 0o644, ModTime: testNow, Format: tar.FormatUSTAR}}
}

// manifestFor lists files with their kinds, sizes and digests.
func manifestFor(t testing.TB, files ...ent) *Manifest {
	t.Helper()
	m := &Manifest{Format: FormatVersion, Name: "test", Version: 1, Created: testNow, Contents: []Member{}}
	for _, f := range files {
		kind, ok := kindOf(f.hdr.Name)
		if !ok {
			kind = KindYARA
		}
		sum := sha256.Sum256([]byte(f.data))
		e := Member{Path: f.hdr.Name, Kind: kind, Size: int64(len(f.data)), SHA256: hex.EncodeToString(sum[:])}
		if kind == KindBlock {
			e.Entries = 1
			m.Counts.BlockLists++
			m.Counts.BlockEntries++
		}
		if kind == KindYARA {
			m.Counts.RuleFiles++
			m.Counts.Rules++
		}
		m.Contents = append(m.Contents, e)
	}
	return m
}

func manifestEnt(t testing.TB, m *Manifest) ent {
	t.Helper()
	data, err := m.encode()
	must(t, err)
	return file(ManifestName, string(data))
}

// mkTar writes the members as given, headers unchanged.
func mkTar(t testing.TB, ents ...ent) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range ents {
		hdr := e.hdr
		must(t, tw.WriteHeader(&hdr))
		if _, err := tw.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	must(t, tw.Close())
	return b.Bytes()
}

// patchName replaces the name old by new (same length) in the first
// header holding it and fixes the header checksum: for names the tar
// writer refuses to write.
func patchName(t testing.TB, raw []byte, old, new string) []byte {
	t.Helper()
	if len(old) != len(new) {
		t.Fatal("patchName: lengths differ")
	}
	raw = bytes.Clone(raw)
	i := bytes.Index(raw, []byte(old))
	if i < 0 {
		t.Fatalf("patchName: %q not found", old)
	}
	copy(raw[i:], new)
	blk := raw[i/512*512 : i/512*512+512]
	copy(blk[148:156], "        ")
	sum := 0
	for _, c := range blk {
		sum += int(c)
	}
	copy(blk[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return raw
}

// goodMembers is a small valid member set.
func goodMembers() []ent {
	return []ent{file("hashes/block/list.txt", "44d88612fea8a8f36de82e1278abb02f\n"), file("yara/a.yar", goodRule)}
}

// validTar is a small valid bundle.
func validTar(t testing.TB) []byte {
	t.Helper()
	g := goodMembers()
	return mkTar(t, append([]ent{manifestEnt(t, manifestFor(t, g...))}, g...)...)
}
