package yara

import (
	"os"
	"path/filepath"
	"testing"
)

// writeFile writes data under dir, creating parents, and returns the path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// mustCompile compiles rule texts given as name → text and fails t on
// any error or reject.
func mustCompile(t testing.TB, texts ...string) *Rules {
	t.Helper()
	var srcs []Source
	for i, s := range texts {
		srcs = append(srcs, Source{Name: filepath.Join("test", string(rune('a'+i))+".yar"), Data: []byte(s)})
	}
	r, err := Compile(srcs)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if rej := r.Rejects(); len(rej) > 0 {
		t.Fatalf("Compile rejects: %v", rej)
	}
	t.Cleanup(r.Close)
	return r
}
