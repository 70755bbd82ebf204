package transfer

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// Interoperability with the stock minisign tool (Debian package minisign).

func minisignCLI(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("minisign")
	if err != nil {
		testenv.Require(t, "the minisign tool is not installed (apt-get install minisign)")
	}
	return path
}

func runMinisign(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader("") // never wait for a password
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// minisign -V accepts what Publish signed, and prints the trusted comment.
func TestMinisignVerifiesPublished(t *testing.T) {
	bin := minisignCLI(t)
	if out, err := runMinisign(t, bin, "-v"); err == nil {
		t.Logf("%s", strings.TrimSpace(out))
	}
	prefix := filepath.Join(t.TempDir(), "station")
	must(t, GenerateKeyFiles(prefix))
	priv, err := LoadPrivateKey(prefix + ".key")
	must(t, err)
	final := publish(t, t.TempDir(), priv, sortedKeys(sampleFiles), sampleFiles)
	manifest := filepath.Join(final, ManifestPath)

	for _, args := range [][]string{
		{"-Vm", manifest, "-p", prefix + ".pub"},
		{"-V", "-H", "-m", manifest, "-p", prefix + ".pub"}, // prehashed only
	} {
		out, err := runMinisign(t, bin, args...)
		if err != nil {
			t.Fatalf("minisign %v: %v\n%s", args, err, out)
		}
		want := "Trusted comment: transfer:20261126T093000Z-abcd0123 station:gate-1 time:2026-11-26T09:30:00Z\n"
		if !strings.Contains(out, "Signature and comment signature verified") || !strings.Contains(out, want) {
			t.Errorf("minisign %v printed %q, want %q", args, out, want)
		}
	}
	data, _ := os.ReadFile(manifest)
	must(t, os.WriteFile(manifest, append(data, ' '), 0o644))
	if out, err := runMinisign(t, bin, "-Vm", manifest, "-p", prefix+".pub"); err == nil {
		t.Errorf("minisign accepted an edited manifest:\n%s", out)
	}
}

// The stock tool signs non-interactively with a key from GenerateKeyFiles,
// and Verify accepts a manifest it signed with a key it generated.
func TestVerifyAcceptsMinisignSigned(t *testing.T) {
	bin := minisignCLI(t)
	dir := t.TempDir()
	cliKey, cliPub := filepath.Join(dir, "cli.key"), filepath.Join(dir, "cli.pub")
	if out, err := runMinisign(t, bin, "-G", "-W", "-p", cliPub, "-s", cliKey); err != nil {
		t.Fatalf("minisign -G -W: %v\n%s", err, out)
	}
	ourPrefix := filepath.Join(dir, "ours")
	must(t, GenerateKeyFiles(ourPrefix))

	// LoadPrivateKey takes the tool's unencrypted key as is.
	cliPriv, err := LoadPrivateKey(cliKey)
	must(t, err)
	pubs, err := LoadPublicKeys(cliPub, ourPrefix+".pub")
	must(t, err)
	if !pubs[0].Equal(cliPriv.Public()) {
		t.Fatal("the tool's public key does not match its secret key as loaded")
	}

	_, priv := testKeys(t)
	root := publish(t, t.TempDir(), priv, []string{"a.txt", "b/c.txt"}, map[string]string{"a.txt": "a", "b/c.txt": "c"})
	manifest, sig := filepath.Join(root, ManifestPath), filepath.Join(root, SignaturePath)
	comment := "transfer:20261126T093000Z-abcd0123 station:gate-1 time:2026-11-26T09:30:00Z"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"tool key, prehashed", []string{"-S", "-s", cliKey, "-m", manifest, "-t", comment}, ""},
		{"tool key, legacy", []string{"-S", "-l", "-s", cliKey, "-m", manifest, "-t", comment}, ""},
		{"our key file", []string{"-S", "-s", ourPrefix + ".key", "-m", manifest, "-t", comment}, ""},
		{"default comment", []string{"-S", "-s", cliKey, "-m", manifest}, "comment-mismatch .sluice/manifest.json.minisig"},
	} {
		os.Remove(sig)
		if out, err := runMinisign(t, bin, tc.args...); err != nil {
			t.Fatalf("%s: minisign %v: %v\n%s", tc.name, tc.args, err, out)
		}
		_, problems, err := Verify(root, pubs, VerifyOptions{Now: fixedNow})
		if err != nil || problemKinds(problems) != tc.want {
			t.Errorf("%s: Verify = %q, %v, want %q", tc.name, problemKinds(problems), err, tc.want)
		}
	}
	// And a key the station does not trust is refused.
	_, problems, _ := Verify(root, []minisign.PublicKey{pubs[1]}, VerifyOptions{Now: fixedNow})
	if problemKinds(problems) != "untrusted-key .sluice/manifest.json.minisig" {
		t.Errorf("Verify with only our key = %q, want untrusted-key", problemKinds(problems))
	}
}
