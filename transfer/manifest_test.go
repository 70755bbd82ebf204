package transfer

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// testdata/manifests holds ok-*.json, which ParseManifest accepts, and
// bad-*.json, each breaking one rule, which it refuses.
func TestParseManifestFiles(t *testing.T) {
	paths, err := filepath.Glob("testdata/manifests/*.json")
	if err != nil || len(paths) < 10 {
		t.Fatalf("testdata: %v, %d files", err, len(paths))
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseManifest(data)
		name := filepath.Base(p)
		switch ok := strings.HasPrefix(name, "ok-"); {
		case ok && err != nil:
			t.Errorf("ParseManifest(%s) = %v, want success", name, err)
		case !ok && err == nil:
			t.Errorf("ParseManifest(%s) = %+v, want an error", name, m)
		case !ok:
			t.Logf("%s: %v", name, err)
		}
	}
}

func TestParseManifestRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/manifests/ok-full.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Files[2].Original != "invoice\u202efdp.exe" || m.Expires == nil || m.Source.FSLabel != "STICK" || m.Blocked["infected:yara/EICAR"] != 1 {
		t.Errorf("ParseManifest(ok-full) = %+v", m)
	}
	out, _ := json.Marshal(m)
	m2, err := ParseManifest(out)
	if err != nil || !reflect.DeepEqual(m, m2) {
		t.Errorf("round trip = %+v, %v", m2, err)
	}
}

func TestParseManifestLimits(t *testing.T) {
	big := bytes.Repeat([]byte(" "), MaxManifestSize+1)
	if _, err := ParseManifest(big); err == nil {
		t.Error("ParseManifest(64 MiB + 1) succeeded")
	}
	if _, err := ParseManifest([]byte("{\"format_version\":1,\"id\":\"\xff\"}")); err == nil {
		t.Error("ParseManifest(invalid UTF-8) succeeded")
	}
	data, _ := os.ReadFile("testdata/manifests/ok-minimal.json")
	long := strings.Replace(string(data), `"station":"s"`, `"station":"s","operator":"`+strings.Repeat("o", 2000)+`"`, 1)
	if _, err := ParseManifest([]byte(long)); err == nil {
		t.Error("ParseManifest(2000-byte operator) succeeded")
	}
}

func FuzzParseManifest(f *testing.F) {
	paths, _ := filepath.Glob("testdata/manifests/*.json")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		// What was accepted encodes to something accepted and equal, and
		// every path stays inside the root.
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := ParseManifest(out)
		if err != nil {
			t.Fatalf("re-encoded manifest refused: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip changed the manifest:\n%+v\n%+v", m, m2)
		}
		for _, f := range m.Files {
			if !filepath.IsLocal(filepath.FromSlash(f.Path)) || strings.Contains(f.Path, `\`) {
				t.Fatalf("accepted path %q is not local", f.Path)
			}
		}
	})
}
