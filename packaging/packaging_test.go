// Package packaging holds the station's install files; this test checks
// them with the real systemd tools.
package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// unitCopy writes the unit with ExecStart pointing at an executable that
// exists here, since systemd-analyze checks it.
func unitCopy(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("systemd", "sluiced.service"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "sluiced.service")
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(data), "/usr/bin/sluiced", "/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUnitVerifies(t *testing.T) {
	testenv.Tools(t, "systemd-analyze")
	out, err := exec.Command("systemd-analyze", "verify", unitCopy(t)).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// The hardening must not regress: systemd's own exposure score (0 best,
// 10 worst) stays at "OK" or better. 3.9 when this test was written.
func TestUnitExposure(t *testing.T) {
	testenv.Tools(t, "systemd-analyze")
	out, err := exec.Command("systemd-analyze", "security", "--offline=yes", unitCopy(t)).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	if score, _ := strconv.ParseFloat(string(m[1]), 64); score > 4.5 {
		t.Errorf("exposure level = %.1f, want at most 4.5", score)
	}
}

// The unit names the settings the station's security depends on.
func TestUnitSettings(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("systemd", "sluiced.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"PrivateMounts=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/sluice /srv/sluice/transfers",
		"NoNewPrivileges=yes", "DevicePolicy=closed", "RestrictAddressFamilies=AF_UNIX AF_NETLINK\n",
		"CapabilityBoundingSet=CAP_SYS_ADMIN", "Environment=SLUICED_MOUNT_NAMESPACE=",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("sluiced.service lacks %q", want)
		}
	}
	rules, err := os.ReadFile(filepath.Join("udev", "90-sluice-station.rules"))
	if err != nil || !strings.Contains(string(rules), `ENV{UDISKS_IGNORE}="1"`) {
		t.Errorf("udev rule does not keep udisks away: %v", err)
	}
}
