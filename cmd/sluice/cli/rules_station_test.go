package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/cmd/sluice/cli"
	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/rules/bundle"
	"github.com/sluice-ot/sluice/rules/store"
)

// stationRules serves a real rule store on an API socket, as the daemon
// does, and returns the socket and a key the store trusts.
func stationRules(t *testing.T) (string, minisign.PrivateKey) {
	t.Helper()
	pub, priv, err := minisign.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err := store.Open(filepath.Join(dir, "rules"), []minisign.PublicKey{pub}, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "api.sock")
	ln, err := api.Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- api.Serve(ctx, ln, api.WithRules(http.NotFoundHandler(), store.APIStore{S: s}, nil, nil))
	}()
	t.Cleanup(func() { cancel(); <-done })
	return sock, priv
}

func signedBundle(t *testing.T, priv minisign.PrivateKey, version int, rule string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "r.yar")
	if err := os.WriteFile(src, []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "plant-rules.tar")
	if _, err := bundle.Build(bundle.BuildOptions{Name: "plant-rules", Version: version, YARA: []string{src}}, out); err != nil {
		t.Fatal(err)
	}
	if err := bundle.Sign(out, priv); err != nil {
		t.Fatal(err)
	}
	return out
}

func runSluice(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRulesStation(t *testing.T) {
	testenv.Root(t, "root is admin to the daemon through socket peer credentials")
	sock, priv := stationRules(t)
	const rule = "rule Station_Marker { strings: $a = \"station-marker\" condition: $a }\n"
	v1 := signedBundle(t, priv, 1, rule)
	v2 := signedBundle(t, priv, 2, rule)
	_, other, _ := minisign.GenerateKey(nil)
	untrusted := signedBundle(t, other, 3, rule)

	// The CLI makes a relative path absolute for the daemon.
	wd, _ := os.Getwd()
	t.Cleanup(func() { os.Chdir(wd) })
	os.Chdir(filepath.Dir(v1))

	for _, tt := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"rules", "list", "--socket", sock}, 0, "no rule bundle installed", ""},
		{[]string{"rules", "import", "--socket", sock, "plant-rules.tar"}, 0, "installed plant-rules version 1", ""},
		{[]string{"rules", "import", "--socket", sock, v1}, 0, "already installed", ""},
		{[]string{"rules", "import", "--socket", sock, v2}, 0, "installed plant-rules version 2", ""},
		{[]string{"rules", "import", "--socket", sock, v1}, 1, "", "refused: rule bundle is older than the active one"},
		{[]string{"rules", "import", "--socket", sock, untrusted}, 1, "", "not trusted"},
		{[]string{"rules", "import", "--socket", sock, "/nonexistent/x.tar"}, 2, "", "no such file"},
		{[]string{"rules", "import", "--socket", filepath.Join(t.TempDir(), "none.sock"), v2}, 2, "", "not reachable"},
		{[]string{"rules", "list", "--socket", sock}, 0, "* plant-rules version 2", ""},
		{[]string{"rules", "rollback", "--socket", sock, "--version", "1"}, 0, "rolled back to plant-rules version 1", ""},
		{[]string{"rules", "rollback", "--socket", sock, "--version", "1"}, 0, "already active", ""},
		{[]string{"rules", "rollback", "--socket", sock, "--version", "7"}, 1, "", "no such rule bundle kept"},
		{[]string{"rules", "rollback", "--socket", sock}, 2, "", "needs --version"},
	} {
		code, stdout, stderr := runSluice(tt.args...)
		if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("sluice %s = %d\nstdout: %s\nstderr: %s\nwant %d, stdout with %q, stderr with %q",
				strings.Join(tt.args, " "), code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
		}
	}

	code, stdout, _ := runSluice("rules", "list", "--socket", sock, "--json")
	var l api.RulesList
	if err := json.Unmarshal([]byte(stdout), &l); code != 0 || err != nil || l.Active == nil || l.Active.Version != 1 || len(l.Bundles) != 2 {
		t.Errorf("rules list --json = %d %s (%v)", code, stdout, err)
	}
	code, stdout, _ = runSluice("rules", "import", "--socket", sock, "--json", v1)
	var res map[string]any
	if err := json.Unmarshal([]byte(stdout), &res); code != 0 || err != nil || res["result"] != "already-installed" {
		t.Errorf("rules import --json of the active version = %d %s (%v)", code, stdout, err)
	}
}
