package transfer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"
)

var testNow = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

func testOptions() Options {
	return Options{StationID: "gate-1", Now: fixedNow, Rand: bytes.NewReader(bytes.Repeat([]byte{0xab, 0xcd, 0x01, 0x23}, 64))}
}

func testKeys(t testing.TB) (minisign.PublicKey, minisign.PrivateKey) {
	t.Helper()
	pub, priv, err := minisign.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func testInfo() Info {
	return Info{
		Source:   Media{Vendor: "Kingston", Model: "DataTraveler", Serial: "0019E06B", FSUUID: "1A2B-3C4D", FSLabel: "STICK"},
		Operator: "jdoe",
		Engines:  []Component{{Name: "yara", Version: "4.2.3"}},
		Rules:    []Component{{Name: "builtin", Version: "7"}},
		Blocked:  map[string]int{"executable": 2, "infected": 1},
	}
}

// publish adds files (path → content, in the order of names) and publishes.
func publish(t testing.TB, dest string, priv minisign.PrivateKey, names []string, files map[string]string) string {
	t.Helper()
	s, err := Begin(dest, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Abort() })
	for _, n := range names {
		c := []byte(files[n])
		if _, err := s.Add(n, bytes.NewReader(c), int64(len(c)), digest(c)); err != nil {
			t.Fatalf("Add(%q): %v", n, err)
		}
	}
	final, err := s.Publish(priv, testInfo())
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return final
}

func sortedKeys(m map[string]string) []string {
	k := make([]string, 0, len(m))
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

// listTree returns every path under dir, slash-separated, with "/" after
// directories.
func listTree(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if fi.IsDir() {
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	return out
}

func problemKinds(ps []Problem) string {
	var k []string
	for _, p := range ps {
		k = append(k, p.Kind+" "+p.Path)
	}
	return strings.Join(k, "; ")
}
