package yara

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir holds the real-world material the project keeps beside the
// repository: ../shared from the module root, or $SLUICE_SHARED.
func sharedDir() string {
	if d := os.Getenv("SLUICE_SHARED"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared")
}

// requireIntegration skips t with reason, or fails it when the
// environment says integration material must be present (CI).
func requireIntegration(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("SLUICE_REQUIRE_INTEGRATION") == "1" {
		t.Fatalf("SLUICE_REQUIRE_INTEGRATION=1 but %s", reason)
	}
	t.Skip(reason)
}

// sharedPath returns a path under ../shared, or skips (or fails) t when
// it is absent.
func sharedPath(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(sharedDir(), rel)
	if _, err := os.Stat(p); err != nil {
		requireIntegration(t, "rule set not available: "+err.Error())
	}
	return p
}

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
