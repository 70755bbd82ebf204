package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fastParams keep tests quick; the parameters are stored per file, so
// verification follows whatever the file says.
var fastParams = Params{Time: 1, MemoryKiB: 64, Threads: 1}

var t0 = time.Date(2025, 3, 14, 9, 26, 35, 0, time.UTC) // 5 s into a TOTP step

func seeded(seed byte) *rand.ChaCha8 { return rand.NewChaCha8([32]byte{seed}) }

func TestCheckPIN(t *testing.T) {
	for _, tc := range []struct {
		pin  string
		weak bool
	}{
		{"", true},
		{"12345", true},
		{"48a915", true},
		{"000000", true},
		{"777777777", true},
		{"123456", true},
		{"654321", true},
		{"890123", true}, // ascending, wrapping
		{"135791", true}, // constant step 2
		{"121212", true}, // repeated pair
		{"123123", true}, // repeated triple
		{"12341234", true},
		{strings.Repeat("9", 65), true},
		{"480915", false},
		{"112358", false},
		{"1234567", true},
		{"20250314", false},
		{"1212123", false},
	} {
		err := CheckPIN(tc.pin)
		if (err != nil) != tc.weak || (err != nil && !errors.Is(err, ErrWeakPIN)) {
			t.Errorf("CheckPIN(%q) = %v, want weak %v", tc.pin, err, tc.weak)
		}
	}
}

func TestInit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", DefaultFile)
	const pin = "480915"
	secret, uri, err := Init(path, pin, InitOptions{Station: "gate-1", Params: fastParams, Rand: seeded(1), Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	if key, err := DecodeSecret(secret); err != nil || len(key) != SecretBytes || len(secret) != 32 || strings.Contains(secret, "=") {
		t.Errorf("secret %q: %d bytes, %v; want 20 bytes as 32 base32 characters", secret, len(key), err)
	}
	if uri != URI("gate-1", secret) {
		t.Errorf("uri = %s", uri)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte(pin)) {
		t.Errorf("credentials file holds the PIN in clear:\n%s", data)
	}
	c, err := load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.PIN.Params != fastParams || c.PIN.Algorithm != "argon2id" || len(c.PIN.Salt) != saltBytes || !c.Created.Equal(t0) {
		t.Errorf("stored PIN hash = %+v, created %v", c.PIN, c.Created)
	}
	if !c.checkPIN(pin) || c.checkPIN("480916") {
		t.Error("checkPIN does not tell the PIN from another")
	}

	// An existing file is kept unless forced.
	if _, _, err := Init(path, "731846", InitOptions{Params: fastParams}); !errors.Is(err, os.ErrExist) {
		t.Errorf("Init over an existing file = %v, want os.ErrExist", err)
	}
	if again, _ := load(path); again == nil || again.TOTP.Secret != secret {
		t.Error("a refused Init changed the file")
	}
	secret2, _, err := Init(path, "731846", InitOptions{Params: fastParams, Force: true})
	if err != nil || secret2 == secret {
		t.Fatalf("Init --force = %q, %v; want a new secret", secret2, err)
	}
	if c, err := load(path); err != nil || !c.checkPIN("731846") {
		t.Errorf("after Init --force the new PIN does not verify: %v", err)
	}
	if _, _, err := Init(path, "123456", InitOptions{Params: fastParams, Force: true}); !errors.Is(err, ErrWeakPIN) {
		t.Errorf("Init with a weak PIN = %v, want ErrWeakPIN", err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".admin-*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// The documented parameters are the ones written by default.
func TestInitDefaultParams(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFile)
	if _, _, err := Init(path, "480915", InitOptions{}); err != nil {
		t.Fatal(err)
	}
	var raw struct{ PIN map[string]any }
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	p := raw.PIN
	if p["time"] != 3.0 || p["memory_kib"] != 65536.0 || p["threads"] != 1.0 || p["algorithm"] != "argon2id" {
		t.Errorf("default parameters in the file = %v, want argon2id t=3 m=65536 p=1", p)
	}
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if _, _, err := Init(good, "480915", InitOptions{Params: fastParams}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	if _, err := load(filepath.Join(dir, "none.json")); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("load(missing) = %v, want ErrNotInitialized", err)
	}
	for name, path := range map[string]string{
		"readable by others": write("open.json", data, 0o644),
		"a symlink":          link,
		"not JSON":           write("junk.json", []byte("{"), 0o600),
		"unknown version":    write("v2.json", bytes.Replace(data, []byte(`"version": 1`), []byte(`"version": 2`), 1), 0o600),
		"huge memory cost":   write("mem.json", bytes.Replace(data, []byte(`"memory_kib": 64`), []byte(`"memory_kib": 4194304`), 1), 0o600),
		"8-digit codes":      write("digits.json", bytes.Replace(data, []byte(`"digits": 6`), []byte(`"digits": 8`), 1), 0o600),
	} {
		if _, err := load(path); err == nil || errors.Is(err, ErrNotInitialized) {
			t.Errorf("load(%s) = %v, want an error", name, err)
		}
	}
}
