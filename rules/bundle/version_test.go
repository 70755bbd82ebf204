package bundle

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"aead.dev/minisign"
)

func TestSignedVersion(t *testing.T) {
	pub, priv := testKeys(t)
	otherPub, _ := testKeys(t)
	trusted := []minisign.PublicKey{pub}

	p := buildSigned(t, priv)
	if v, err := SignedVersion(p, trusted); err != nil || v != sampleInputs(t).Version {
		t.Errorf("SignedVersion(valid) = %d, %v; want %d", v, err, sampleInputs(t).Version)
	}
	if _, err := SignedVersion(p, []minisign.PublicKey{otherPub}); !errors.Is(err, ErrUntrustedKey) {
		t.Errorf("SignedVersion(untrusted) = %v, want ErrUntrustedKey", err)
	}

	// The tar is never parsed: signed garbage has a version, and the
	// later Open refuses it.
	junk := filepath.Join(t.TempDir(), "junk.tar")
	must(t, os.WriteFile(junk, []byte("not a tar at all"), 0o644))
	signRaw(t, junk, priv, "plant-rules")
	if v, err := SignedVersion(junk, trusted); err != nil || v != 1 {
		t.Errorf("SignedVersion(signed garbage) = %d, %v; want 1 from the comment", v, err)
	}

	changed := buildSigned(t, priv)
	f, err := os.OpenFile(changed, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	f.Write([]byte{0})
	f.Close()
	if _, err := SignedVersion(changed, trusted); !errors.Is(err, ErrBadSignature) {
		t.Errorf("SignedVersion(changed) = %v, want ErrBadSignature", err)
	}

	unsigned := buildSigned(t, priv)
	must(t, os.Remove(unsigned+SignatureExt))
	if _, err := SignedVersion(unsigned, trusted); !errors.Is(err, ErrUnsigned) {
		t.Errorf("SignedVersion(unsigned) = %v, want ErrUnsigned", err)
	}

	// A FIFO in the bundle's place is refused, not waited on.
	fifo := buildSigned(t, priv)
	must(t, os.Remove(fifo))
	must(t, syscall.Mkfifo(fifo, 0o644))
	if _, err := SignedVersion(fifo, trusted); err == nil {
		t.Error("SignedVersion(FIFO) succeeded")
	}
}
