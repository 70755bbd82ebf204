package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// The touchscreen is only a client of the API: whatever tags it is built
// with, it links no engine, device, mount or station code, and only this
// main links fyne's app (and so its GLFW driver). (kiosk/api's server half
// brings the pure-Go kiosk/admin along; it holds no secret.)
func TestDeps(t *testing.T) {
	testenv.Tools(t, "go")
	goTool := "go"
	for _, tags := range []string{"", "x11"} {
		out, err := exec.Command(goTool, "list", "-tags", tags, "-deps", ".").Output()
		if err != nil {
			t.Fatalf("go list -tags %q -deps: %v", tags, err)
		}
		deps := strings.Fields(string(out))
		for _, bad := range []string{
			"github.com/sluice-ot/sluice/kiosk", "github.com/sluice-ot/sluice/kiosk/device",
			"github.com/sluice-ot/sluice/kiosk/mount",
			"github.com/sluice-ot/sluice/scanner", "github.com/sluice-ot/sluice/scanner/yara",
			"github.com/sluice-ot/sluice/rules/store", "github.com/sluice-ot/sluice/audit",
			"github.com/hillu/go-yara/v4", "github.com/jochenvg/go-udev", "github.com/google/gousb",
		} {
			for _, d := range deps {
				if d == bad {
					t.Errorf("sluice-kiosk (tags %q) links %s", tags, bad)
				}
			}
		}
	}
	// Nothing else in the module may import the fyne app package.
	out, err := exec.Command(goTool, "list", "-e", "-tags", "x11", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/sluice-ot/sluice/...").Output()
	if err != nil {
		t.Fatalf("go list ./...: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		if pkg != "github.com/sluice-ot/sluice/cmd/sluice-kiosk" && strings.Contains(" "+imports+" ", " fyne.io/fyne/v2/app ") {
			t.Errorf("%s imports fyne.io/fyne/v2/app; only cmd/sluice-kiosk may", pkg)
		}
	}
}
