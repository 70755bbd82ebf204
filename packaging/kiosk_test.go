package packaging

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const kioskUnit = "sluice-kiosk.service"

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
