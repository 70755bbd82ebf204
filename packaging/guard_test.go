package packaging

import (
	"os"
	"strings"
	"testing"
)

const guardUnit = "systemd/sluice-guard.service"

// The unit holds what the guard's security depends on, and nothing that
// would start it in a mount namespace users do not see: it opens the one
// it starts in as the users', then makes a private one of its own.
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
		// The guard makes its own mount namespace and joins the users'.
		"\nRestrictNamespaces=mnt\n",
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
			"ReadWritePaths=", "ReadOnlyPaths=", "InaccessiblePaths=", "TemporaryFileSystem=", "BindPaths=", "PrivateNetwork=",
			"ProtectHostname=", "ProtectProc=", "ProcSubset=", "PrivateIPC=", "PrivateUsers="} {
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
