package transfer

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateKeyFiles(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "station")
	if err := GenerateKeyFiles(prefix); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]os.FileMode{".key": 0o600, ".pub": 0o644} {
		fi, err := os.Stat(prefix + name)
		if err != nil || fi.Mode() != mode {
			t.Errorf("%s: %v, %v, want mode %v", name, fi.Mode(), err, mode)
		}
	}
	priv, err := LoadPrivateKey(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	pubs, err := LoadPublicKeys(prefix + ".pub")
	if err != nil || len(pubs) != 1 || !pubs[0].Equal(priv.Public()) {
		t.Fatalf("LoadPublicKeys = %v, %v, want the key's public half", pubs, err)
	}
	// Never overwrite: neither file may exist.
	before, _ := os.ReadFile(prefix + ".key")
	if err := GenerateKeyFiles(prefix); err == nil {
		t.Error("GenerateKeyFiles over existing files succeeded")
	}
	os.Remove(prefix + ".key")
	if err := GenerateKeyFiles(prefix); err == nil {
		t.Error("GenerateKeyFiles over an existing .pub succeeded")
	}
	if _, err := os.Stat(prefix + ".key"); err == nil {
		t.Error("GenerateKeyFiles left a .key behind after failing")
	}
	if after, _ := os.ReadFile(prefix + ".pub"); len(after) == 0 || bytes.Equal(after, before) {
		t.Error("the .pub file was changed")
	}
}

func TestLoadPrivateKeyRefuses(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "k")
	must(t, GenerateKeyFiles(prefix))
	good, _ := os.ReadFile(prefix + ".key")

	must(t, os.Chmod(prefix+".key", 0o640))
	if _, err := LoadPrivateKey(prefix + ".key"); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("LoadPrivateKey(mode 0640) = %v, want a permission error", err)
	}

	// minisign -C would encrypt it; only the KDF field matters here, and
	// real scrypt with minisign's limits takes seconds.
	b64 := strings.SplitN(string(good), "\n", 3)[1]
	raw, _ := base64.StdEncoding.DecodeString(b64)
	copy(raw[2:4], "Sc")
	enc := strings.SplitN(string(good), "\n", 2)[0] + "\n" + base64.StdEncoding.EncodeToString(raw) + "\n"
	encPath := filepath.Join(dir, "enc.key")
	must(t, os.WriteFile(encPath, []byte(enc), 0o600))
	if _, err := LoadPrivateKey(encPath); !errors.Is(err, ErrKeyEncrypted) {
		t.Errorf("LoadPrivateKey(encrypted) = %v, want ErrKeyEncrypted", err)
	}

	// Flip one bit of the secret key's second half (the public key).
	lines := strings.SplitN(string(good), "\n", 2)
	text := []byte(lines[1])
	text[150] ^= 'A' ^ 'B'
	if text[150] == '=' || text[150] == '\n' {
		t.Fatal("test picked a padding byte")
	}
	badPath := filepath.Join(dir, "bad.key")
	must(t, os.WriteFile(badPath, []byte(lines[0]+"\n"+string(text)), 0o600))
	if _, err := LoadPrivateKey(badPath); err == nil {
		t.Error("LoadPrivateKey(corrupted) succeeded")
	}
	pubPath := filepath.Join(dir, "not.pub")
	must(t, os.WriteFile(pubPath, good, 0o644))
	if _, err := LoadPublicKeys(pubPath); err == nil {
		t.Error("LoadPublicKeys(secret key file) succeeded")
	}
	if _, err := LoadPrivateKey(filepath.Join(dir, "missing.key")); err == nil {
		t.Error("LoadPrivateKey(missing) succeeded")
	}
}
