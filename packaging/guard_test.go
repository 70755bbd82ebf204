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

const guardUnit = "systemd/sluice-guard.service"

// guardUnitCopy writes the guard's unit with ExecStart pointing at an
// executable that exists here, since systemd-analyze checks it.
func guardUnitCopy(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(guardUnit)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), filepath.Base(guardUnit))
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(data), "/usr/bin/sluice-guard", "/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGuardUnitVerifies(t *testing.T) {
	testenv.Tools(t, "systemd-analyze")
	out, err := exec.Command("systemd-analyze", "verify", guardUnitCopy(t)).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify %s: %v\n%s", guardUnit, err, out)
	}
}

// The guard cannot have a mount namespace of its own (it exposes media
// to users), so its exposure rests on capabilities, devices and system
// calls: 4.4 when this test was written.
func TestGuardUnitExposure(t *testing.T) {
	testenv.Tools(t, "systemd-analyze")
	out, err := exec.Command("systemd-analyze", "security", "--offline=yes", guardUnitCopy(t)).CombinedOutput()
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

// The unit holds what the guard's security depends on, and nothing that
// would put it in a mount namespace users do not see.
func TestGuardUnitSettings(t *testing.T) {
	data, err := os.ReadFile(guardUnit)
	if err != nil {
		t.Fatal(err)
	}
	unit := string(data)
	for _, want := range []string{
		"usbcore.authorized_default=0", "Restart=always", "RuntimeDirectoryPreserve=yes", "DevicePolicy=closed",
		"NoNewPrivileges=yes", "CapabilityBoundingSet=CAP_SYS_ADMIN ", "RestrictAddressFamilies=AF_UNIX AF_NETLINK",
		"ExecStart=/usr/bin/sluice-guard run --config /etc/sluice/sluice-guard.toml",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("%s lacks %q", guardUnit, want)
		}
	}
	for _, line := range strings.Split(unit, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, ns := range []string{"PrivateMounts=", "ProtectSystem=", "ProtectHome=", "PrivateTmp=", "PrivateDevices=",
			"ProtectKernelTunables=", "ProtectKernelModules=", "ProtectKernelLogs=", "ProtectControlGroups=",
			"ReadWritePaths=", "ReadOnlyPaths=", "InaccessiblePaths=", "TemporaryFileSystem=", "BindPaths=", "PrivateNetwork="} {
			if strings.HasPrefix(line, ns) {
				t.Errorf("%s sets %s: the guard must share the users' mount namespace (and the host's network namespace for uevents)", guardUnit, line)
			}
		}
	}
}

func TestGuardUdevRule(t *testing.T) {
	data, err := os.ReadFile("udev/61-sluice-guard.rules")
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			rules = append(rules, l)
		}
	}
	if len(rules) != 2 {
		t.Fatalf("rules = %q, want two", rules)
	}
	for _, r := range rules {
		if !strings.HasPrefix(r, `SUBSYSTEM=="block", `) || !strings.Contains(r, `ENV{UDISKS_IGNORE}="1"`) || !strings.Contains(r, `ENV{UDISKS_AUTO}="0"`) {
			t.Errorf("rule does not keep udisks away from USB block devices: %s", r)
		}
	}
}
