package hashdb

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeList writes entries to a table in a fresh directory and opens it.
func writeList(t testing.TB, entries []Entry) (*List, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "list.table")
	if err := Write(path, entries); err != nil {
		t.Fatalf("Write(%s) error = %v, want nil", path, err)
	}
	l, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s) error = %v, want nil", path, err)
	}
	t.Cleanup(func() { l.Close() })
	return l, path
}

// testdataEntries parses every list in testdata.
func testdataEntries(t testing.TB) []Entry {
	t.Helper()
	var all []Entry
	for _, name := range []string{"loki.txt", "sha256sum.txt", "md5sum.txt", "sha1sum-crlf.txt", "bazaar.csv", "virusshare.txt", "bad.txt"} {
		es, _, err := Parse(bytes.NewReader(readTestdata(t, name)))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, es...)
	}
	return all
}

func TestRoundTrip(t *testing.T) {
	entries := testdataEntries(t)
	l, path := writeList(t, entries)
	if got, want := l.Name(), "list.table"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	// The first occurrence of a digest gives its label.
	first := make(map[string]string)
	count := make(map[Algo]int)
	for _, e := range entries {
		k := e.Algo.String() + string(e.Sum)
		if _, ok := first[k]; !ok {
			first[k] = e.Label
			count[e.Algo]++
		}
	}
	for _, e := range entries {
		label, ok := l.Lookup(e.Algo, e.Sum)
		if want := first[e.Algo.String()+string(e.Sum)]; !ok || label != want {
			t.Errorf("Lookup(%s, %x) = %q, %t, want %q, true", e.Algo, e.Sum, label, ok, want)
		}
	}
	for _, a := range algos {
		if got := l.Len(a); got != count[a] {
			t.Errorf("Len(%s) = %d, want %d", a, got, count[a])
		}
	}
	if md5, sha1 := l.Needs(); !md5 || !sha1 {
		t.Errorf("Needs() = %t, %t, want true, true", md5, sha1)
	}
	if label, _ := l.Lookup(SHA256, mustHex(t, eicarSHA256)); label != "EICAR test file - https://www.eicar.org/" {
		t.Errorf("Lookup(sha256, eicar) label = %q, want the loki.txt label", label)
	}

	absent := []struct {
		a   Algo
		sum []byte
	}{
		{SHA256, make([]byte, 32)},
		{SHA256, bytes.Repeat([]byte{0xff}, 32)},
		{MD5, mustHex(t, "44d88612fea8a8f36de82e1278abb02e")},
		{SHA1, mustHex(t, eicarSHA256)[:20]},
		{SHA256, mustHex(t, eicarMD5)},    // wrong length for the algorithm
		{MD5, mustHex(t, eicarSHA256)},    // likewise
		{0, mustHex(t, eicarMD5)},         // invalid algorithm
		{Algo(200), mustHex(t, eicarMD5)}, // likewise
		{SHA256, nil},
	}
	for _, tt := range absent {
		if label, ok := l.Lookup(tt.a, tt.sum); ok {
			t.Errorf("Lookup(%s, %x) = %q, true, want absent", tt.a, tt.sum, label)
		}
	}
	if entries, err := os.ReadDir(filepath.Dir(path)); err != nil || len(entries) != 1 {
		t.Errorf("table directory holds %d entries (err %v), want the table alone", len(entries), err)
	}
}

func TestDuplicates(t *testing.T) {
	sum := mustHex(t, eicarSHA256)
	l, _ := writeList(t, []Entry{
		{SHA256, sum, "first"},
		{SHA256, bytes.Clone(sum), "second"},
		{MD5, mustHex(t, eicarMD5), "first"},
		{SHA256, sum, "first"},
	})
	if got := l.Len(SHA256); got != 1 {
		t.Errorf("Len(sha256) = %d, want 1", got)
	}
	if label, ok := l.Lookup(SHA256, sum); !ok || label != "first" {
		t.Errorf("Lookup(sha256, eicar) = %q, %t, want %q, true", label, ok, "first")
	}
	if md5, sha1 := l.Needs(); !md5 || sha1 {
		t.Errorf("Needs() = %t, %t, want true, false", md5, sha1)
	}
}

func TestEmpty(t *testing.T) {
	l, _ := writeList(t, nil)
	for _, a := range algos {
		if n := l.Len(a); n != 0 {
			t.Errorf("Len(%s) = %d, want 0", a, n)
		}
	}
	if md5, sha1 := l.Needs(); md5 || sha1 {
		t.Errorf("Needs() = %t, %t, want false, false", md5, sha1)
	}
	if _, ok := l.Lookup(SHA256, mustHex(t, eicarSHA256)); ok {
		t.Errorf("Lookup(sha256, eicar) in empty list = true, want false")
	}
}

// randomEntries returns n random digests of algorithm a. skew sets the
// first two bytes of every tenth digest to zero, to fill one bucket.
func randomEntries(r *rand.Rand, a Algo, n int) []Entry {
	es := make([]Entry, n)
	for i := range es {
		sum := make([]byte, a.Size())
		for j := range sum {
			sum[j] = byte(r.Uint32())
		}
		if i%10 == 0 {
			sum[0], sum[1] = 0, 0
		}
		es[i] = Entry{Algo: a, Sum: sum, Label: []string{"", "a", "b"}[i%3]}
	}
	return es
}

func TestManyBuckets(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var entries []Entry
	for _, a := range algos {
		entries = append(entries, randomEntries(r, a, 50000)...)
	}
	l, _ := writeList(t, entries)
	if bits := l.secs[SHA256].bits; bits != uint(bitsFor(50000)) || bits == 0 {
		t.Errorf("sha256 index bits = %d, want %d", bits, bitsFor(50000))
	}
	for _, e := range entries {
		if label, ok := l.Lookup(e.Algo, e.Sum); !ok || label != e.Label {
			t.Fatalf("Lookup(%s, %x) = %q, %t, want %q, true", e.Algo, e.Sum, label, ok, e.Label)
		}
	}
	for _, e := range randomEntries(r, SHA1, 10000) {
		if _, ok := l.Lookup(e.Algo, e.Sum); ok {
			t.Fatalf("Lookup(%s, %x) of a digest not written = true, want false", e.Algo, e.Sum)
		}
	}
}

func TestBitsFor(t *testing.T) {
	tests := []struct {
		n    int
		want uint32
	}{
		{0, 0}, {128, 0}, {129, 1}, {1000, 3}, {100000, 10}, {10000000, 17}, {1 << 40, maxBits},
	}
	for _, tt := range tests {
		if got := bitsFor(tt.n); got != tt.want {
			t.Errorf("bitsFor(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}

func TestWriteBadEntry(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "list.table")
	for _, e := range []Entry{{MD5, make([]byte, 20), ""}, {0, nil, ""}} {
		if err := Write(path, []Entry{e}); err == nil {
			t.Errorf("Write(%s digest of %d bytes) error = nil, want an error", e.Algo, len(e.Sum))
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed Write left %d files behind, want none", len(entries))
	}
}

func TestWriteReplaces(t *testing.T) {
	l1, path := writeList(t, []Entry{{MD5, mustHex(t, eicarMD5), "old"}})
	if err := Write(path, []Entry{{MD5, mustHex(t, eicarMD5), "new"}}); err != nil {
		t.Fatal(err)
	}
	// The open list keeps the file it mapped.
	if label, _ := l1.Lookup(MD5, mustHex(t, eicarMD5)); label != "old" {
		t.Errorf("old list Lookup label = %q, want %q", label, "old")
	}
	l2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if label, _ := l2.Lookup(MD5, mustHex(t, eicarMD5)); label != "new" {
		t.Errorf("new list Lookup label = %q, want %q", label, "new")
	}
}

func TestClose(t *testing.T) {
	l, _ := writeList(t, []Entry{{MD5, mustHex(t, eicarMD5), "x"}})
	if err := l.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if _, ok := l.Lookup(MD5, mustHex(t, eicarMD5)); ok {
		t.Errorf("Lookup after Close = true, want false")
	}
}

func TestOpenRejects(t *testing.T) {
	_, path := writeList(t, testdataEntries(t))
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	resum := func(b []byte) []byte {
		binary.LittleEndian.PutUint32(b[headerCRCAt:], crc32.Checksum(b[:headerCRCAt], castagnoli))
		return b
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"short", good[:headerSize-1], ErrCorrupt},
		{"header only", good[:headerSize], ErrCorrupt},
		{"truncated", good[:len(good)-1], ErrCorrupt},
		{"extended", append(bytes.Clone(good), 0), ErrCorrupt},
		{"bad magic", append([]byte("SLUICEHX"), good[8:]...), ErrCorrupt},
		{"header bit flip", func() []byte { b := bytes.Clone(good); b[40] ^= 1; return b }(), ErrCorrupt},
		{"newer version", func() []byte { b := bytes.Clone(good); b[8] = 2; return resum(b) }(), ErrVersion},
		{"section past end", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint64(b[secHeaderAt+8:], 1<<20) // sha256 count
			return resum(b)
		}(), ErrCorrupt},
		{"huge count", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint64(b[secHeaderAt+8:], 1<<62)
			return resum(b)
		}(), ErrCorrupt},
		{"offset overflow", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint64(b[secHeaderAt:], ^uint64(0)-10)
			return resum(b)
		}(), ErrCorrupt},
		{"too many bits", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint32(b[secHeaderAt+16:], 40)
			return resum(b)
		}(), ErrCorrupt},
		{"wrong width", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint32(b[secHeaderAt+20:], 20)
			return resum(b)
		}(), ErrCorrupt},
		{"pool past end", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint64(b[poolAt+8:], uint64(len(b)))
			return resum(b)
		}(), ErrCorrupt},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		p := filepath.Join(dir, tt.name)
		if err := os.WriteFile(p, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := Open(p)
		if !errors.Is(err, tt.want) {
			t.Errorf("Open(%s) error = %v, want %v", tt.name, err, tt.want)
		}
		if l != nil {
			l.Close()
		}
	}
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) error = %v, want %v", err, os.ErrNotExist)
	}
	if _, err := Open(dir); err == nil {
		t.Errorf("Open(a directory) error = nil, want an error")
	}
}

// TestCorruptBody overwrites every byte after the header in turn: Open
// succeeds, since it reads only the header, and lookups must not panic.
func TestCorruptBody(t *testing.T) {
	entries := testdataEntries(t)
	_, path := writeList(t, entries)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := headerSize; i < len(good); i++ {
		for _, v := range []byte{0x00, 0x7f, 0xff} {
			b := bytes.Clone(good)
			b[i] = v
			l, err := newList(b)
			if err != nil {
				t.Fatalf("newList(byte %d = %#x) error = %v, want nil", i, v, err)
			}
			for _, e := range entries {
				l.Lookup(e.Algo, e.Sum)
			}
		}
	}
}

func TestConcurrentLookup(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	entries := randomEntries(r, SHA256, 5000)
	l, _ := writeList(t, entries)
	errc := make(chan error, 4)
	for g := range 4 {
		go func() {
			for i := g; i < len(entries); i += 4 {
				e := entries[i]
				if label, ok := l.Lookup(e.Algo, e.Sum); !ok || label != e.Label {
					errc <- fmt.Errorf("Lookup(%s, %x) = %q, %t, want %q, true", e.Algo, e.Sum, label, ok, e.Label)
					return
				}
			}
			errc <- nil
		}()
	}
	for range 4 {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}
