package usbpolicy

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps pins that the policy stays pure Go: no go-udev, no gousb, no
// kiosk/device (which links go-udev).
func TestDeps(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not on PATH: cannot list dependencies")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{"github.com/jochenvg/go-udev", "github.com/google/gousb", "github.com/sluice-ot/sluice/kiosk/device"} {
			if dep == bad {
				t.Errorf("usbpolicy depends on %s", bad)
			}
		}
	}
}
