package bundle

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/transfer"
)

// Interoperability with the stock minisign tool: it verifies what Sign
// wrote, and Open accepts what it signed with the right trusted comment.

func runMinisign(t *testing.T, args ...string) (string, error) {
	t.Helper()
	testenv.Tools(t, "minisign")
	cmd := exec.Command("minisign", args...)
	cmd.Stdin = strings.NewReader("") // never wait for a password
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestMinisignVerifiesBundle(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "admin")
	must(t, transfer.GenerateKeyFiles(prefix))
	priv, err := transfer.LoadPrivateKey(prefix + ".key")
	must(t, err)
	p := buildSigned(t, priv)
	info, err := Inspect(p, nil)
	must(t, err)
	out, err := runMinisign(t, "-Vm", p, "-p", prefix+".pub")
	if err != nil {
		t.Fatalf("minisign -Vm: %v\n%s", err, out)
	}
	want := "Trusted comment: bundle:plant-rules version:3 sha256:" + info.SHA256 + "\n"
	if !strings.Contains(out, "Signature and comment signature verified") || !strings.Contains(out, want) {
		t.Errorf("minisign -Vm printed %q, want %q", out, want)
	}
	raw, err := os.ReadFile(p)
	must(t, err)
	raw[600] ^= 1
	must(t, os.WriteFile(p, raw, 0o644))
	if out, err := runMinisign(t, "-Vm", p, "-p", prefix+".pub"); err == nil {
		t.Errorf("minisign accepted a changed bundle:\n%s", out)
	}
}

func TestOpenAcceptsMinisignSigned(t *testing.T) {
	dir := t.TempDir()
	key, pubFile := filepath.Join(dir, "cli.key"), filepath.Join(dir, "cli.pub")
	if out, err := runMinisign(t, "-G", "-W", "-p", pubFile, "-s", key); err != nil {
		t.Fatalf("minisign -G -W: %v\n%s", err, out)
	}
	pubs, err := transfer.LoadPublicKeys(pubFile)
	must(t, err)
	out := filepath.Join(dir, "b.tar")
	_, err = Build(sampleInputs(t), out)
	must(t, err)
	info, err := Inspect(out, nil)
	must(t, err)
	comment := TrustedComment(info.Manifest, info.SHA256)
	if o, err := runMinisign(t, "-S", "-s", key, "-m", out, "-t", comment); err != nil {
		t.Fatalf("minisign -S: %v\n%s", err, o)
	}
	b, err := Open(out, pubs, testNow)
	if err != nil {
		t.Fatalf("Open(signed by minisign -S): %v", err)
	}
	b.Close()
	// The tool's default comment does not name the bundle.
	if o, err := runMinisign(t, "-S", "-s", key, "-m", out); err != nil {
		t.Fatalf("minisign -S: %v\n%s", err, o)
	}
	if _, err := Open(out, []minisign.PublicKey{pubs[0]}, testNow); err == nil || !strings.Contains(err.Error(), "trusted comment") {
		t.Errorf("Open(default comment) = %v, want a trusted comment error", err)
	}
}
