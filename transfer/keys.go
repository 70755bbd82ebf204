package transfer

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"aead.dev/minisign"
)

// GenerateKeyFiles creates a station key pair: PREFIX.key, the secret key
// in minisign's format, unencrypted (mode 0600), and PREFIX.pub, the
// public key in minisign's format. It never overwrites a file.
//
// The secret key is stored without a password, exactly as
// "minisign -G -W" writes one (KDF "\0\0", zero checksum), because the
// station signs unattended; the file mode, the disk and the host protect
// it. The stock tool signs with it non-interactively:
// "minisign -S -s PREFIX.key -m FILE". "minisign -C -s PREFIX.key" can add
// a password for keeping it offline; LoadPrivateKey then refuses it
// (ErrKeyEncrypted) until "minisign -C -W -s PREFIX.key" removes it again.
func GenerateKeyFiles(prefix string) error {
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate keys: %w", err)
	}
	secret, err := priv.MarshalText()
	if err != nil {
		return fmt.Errorf("generate keys: %w", err)
	}
	public, err := pub.MarshalText()
	if err != nil {
		return fmt.Errorf("generate keys: %w", err)
	}
	for _, p := range []string{prefix + ".key", prefix + ".pub"} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("generate keys: %s: %w", p, os.ErrExist)
		}
	}
	if err := createExcl(prefix+".key", append(secret, '\n'), 0o600); err != nil {
		return fmt.Errorf("generate keys: %w", err)
	}
	if err := createExcl(prefix+".pub", append(public, '\n'), 0o644); err != nil {
		os.Remove(prefix + ".key")
		return fmt.Errorf("generate keys: %w", err)
	}
	if err := syncDir(filepath.Dir(prefix)); err != nil {
		return fmt.Errorf("generate keys: %w", err)
	}
	return nil
}

func createExcl(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, mode)
	if err != nil {
		return err
	}
	err = f.Chmod(mode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// LoadPrivateKey reads an unencrypted minisign secret key. It refuses a
// password-protected key (ErrKeyEncrypted), a key file that group or
// others may read, and a key whose two halves do not belong together.
func LoadPrivateKey(path string) (minisign.PrivateKey, error) {
	var key minisign.PrivateKey
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return key, fmt.Errorf("load private key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return key, fmt.Errorf("load private key: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return key, fmt.Errorf("load private key: %s has mode %04o; it must not be accessible by group or others (chmod 600)", path, fi.Mode().Perm())
	}
	text, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return key, fmt.Errorf("load private key: %w", err)
	}
	raw, err := secretKeyBytes(text)
	if err != nil {
		return key, fmt.Errorf("load private key %s: %w", path, err)
	}
	switch string(raw[2:4]) {
	case "\x00\x00":
	case "Sc":
		return key, fmt.Errorf("load private key %s: %w; remove the password with 'minisign -C -W -s %s'", path, ErrKeyEncrypted, path)
	default:
		return key, fmt.Errorf("load private key %s: unknown key derivation %q", path, raw[2:4])
	}
	sk := raw[62:126]
	if !bytes.Equal(ed25519.NewKeyFromSeed(sk[:32]), sk) {
		return key, fmt.Errorf("load private key %s: corrupted key", path)
	}
	if err := key.UnmarshalText(text); err != nil {
		return key, fmt.Errorf("load private key %s: %w", path, err)
	}
	return key, nil
}

// secretKeyBytes decodes the second line of a minisign secret key file:
// sig alg, KDF alg, checksum alg, salt, limits, key id, key, checksum.
func secretKeyBytes(text []byte) ([]byte, error) {
	lines := bytes.Split(bytes.TrimSpace(text), []byte("\n"))
	if len(lines) != 2 || !bytes.HasPrefix(lines[0], []byte("untrusted comment: ")) {
		return nil, errors.New("not a minisign secret key file")
	}
	raw, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(lines[1])))
	if err != nil || len(raw) != 158 || string(raw[:2]) != "Ed" || string(raw[4:6]) != "B2" {
		return nil, errors.New("not a minisign Ed25519 secret key")
	}
	return raw, nil
}

// LoadPublicKeys reads minisign public key files, one key per file.
func LoadPublicKeys(paths ...string) ([]minisign.PublicKey, error) {
	keys := make([]minisign.PublicKey, 0, len(paths))
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("load public key: %w", err)
		}
		text, err := io.ReadAll(io.LimitReader(f, 4096))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("load public key: %w", err)
		}
		var k minisign.PublicKey
		if err := k.UnmarshalText(bytes.TrimSpace(text)); err != nil {
			return nil, fmt.Errorf("load public key %s: %w", p, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
