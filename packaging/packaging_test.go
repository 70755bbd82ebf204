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

// units are the systemd units shipped, each with the program its
// ExecStart runs (replaced by /bin/true, since systemd-analyze checks that
// it exists) and the exposure score it must keep ("OK" or better: 0 best,
// 10 worst). When written: sluiced 3.9, sluice-guard 4.4, sluice-kiosk 2.8.
var units = []struct {
	file, exec  string
	maxExposure float64
}{
	{"systemd/sluiced.service", "/usr/bin/sluiced", 4.5},
	{"systemd/sluice-guard.service", "/usr/bin/sluice-guard", 4.5},
	// cage is not a build dependency.
	{"systemd/sluice-kiosk.service", "/usr/bin/cage", 4.5},
}

// unitCopy writes file with exec replaced by /bin/true.
func unitCopy(t *testing.T, file, exec string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), filepath.Base(file))
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(data), exec, "/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUnitsVerify(t *testing.T) {
	testenv.Tools(t, "systemd-analyze")
	for _, u := range units {
		out, err := exec.Command("systemd-analyze", "verify", unitCopy(t, u.file, u.exec)).CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", u.file, err, out)
		}
	}
}

// The hardening must not regress.
func TestUnitsExposure(t *testing.T) {
	testenv.Tools(t, "systemd-analyze")
	re := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)
	for _, u := range units {
		out, err := exec.Command("systemd-analyze", "security", "--offline=yes", unitCopy(t, u.file, u.exec)).CombinedOutput()
		if err != nil {
			t.Errorf("systemd-analyze security %s: %v\n%s", u.file, err, out)
			continue
		}
		m := re.FindSubmatch(out)
		if m == nil {
			t.Errorf("%s: no exposure level in:\n%s", u.file, out)
			continue
		}
		if score, _ := strconv.ParseFloat(string(m[1]), 64); score > u.maxExposure {
			t.Errorf("%s exposure level = %.1f, want at most %.1f", u.file, score, u.maxExposure)
		}
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
