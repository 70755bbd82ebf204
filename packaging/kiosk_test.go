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

const kioskUnit = "sluice-kiosk.service"

// kioskUnitCopy writes the kiosk unit with ExecStart's cage replaced by an
// executable that exists here (cage is not a build dependency), since
// systemd-analyze checks it.
func kioskUnitCopy(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("systemd", kioskUnit))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), kioskUnit)
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(data), "/usr/bin/cage", "/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKioskUnitVerifies(t *testing.T) {
	testenv.Tools(t, "systemd-analyze")
	out, err := exec.Command("systemd-analyze", "verify", kioskUnitCopy(t)).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify %s: %v\n%s", kioskUnit, err, out)
	}
}

// The touchscreen holds no privilege: systemd's exposure score stays "OK"
// or better (2.8 when this test was written).
func TestKioskUnitExposure(t *testing.T) {
	testenv.Tools(t, "systemd-analyze")
	out, err := exec.Command("systemd-analyze", "security", "--offline=yes", kioskUnitCopy(t)).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	if score, _ := strconv.ParseFloat(string(m[1]), 64); score > 4.5 {
		t.Errorf("%s exposure level = %.1f, want at most 4.5", kioskUnit, score)
	}
}

// The kiosk runs as its own unprivileged user in cage, reaches the station
// only through the API socket's group, and cannot switch terminals.
func TestKioskUnitSettings(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("systemd", kioskUnit))
	if err != nil {
		t.Fatal(err)
	}
	unit := string(data)
	for _, want := range []string{
		"\nUser=sluice-kiosk\n", "\nSupplementaryGroups=sluice\n", "\nCapabilityBoundingSet=\n",
		"\nNoNewPrivileges=yes\n", "\nExecStart=/usr/bin/cage -d -- /usr/bin/sluice-kiosk ", "\nRestart=always\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("%s lacks %q", kioskUnit, strings.TrimSpace(want))
		}
	}
	if regexp.MustCompile(`(?m)^ExecStart=.*cage[^\n]* -s\b`).MatchString(unit) {
		t.Errorf("%s lets cage switch virtual terminals (-s)", kioskUnit)
	}
	if regexp.MustCompile(`(?m)^User=root$`).MatchString(unit) {
		t.Errorf("%s runs the touchscreen as root", kioskUnit)
	}
}
