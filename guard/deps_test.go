package guard

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps pins that the endpoint guard links no cgo library and none of
// the station's heavy parts: it must build and run on a plant machine
// without libudev, libusb, libyara or a display.
func TestDeps(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not on PATH: cannot list dependencies")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}{{if and .CgoFiles (not .Standard)}} CGO{{end}}", ".", "../cmd/sluice-guard").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	bad := []string{"github.com/jochenvg/go-udev", "github.com/google/gousb", "github.com/hillu/go-yara/v4",
		"github.com/sluice-ot/sluice/kiosk/device", "fyne.io/fyne/v2", "github.com/sluice-ot/sluice/scanner/yara",
		// the station's audit store (SQLite); the guard needs only audit/syslog
		"github.com/sluice-ot/sluice/audit", "modernc.org/sqlite"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		dep, cgo := strings.CutSuffix(line, " CGO")
		if cgo {
			t.Errorf("sluice-guard links %s, which uses cgo", dep)
		}
		for _, b := range bad {
			if dep == b {
				t.Errorf("sluice-guard depends on %s", b)
			}
		}
	}
}
