package ui

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoFyneApp: the app is passed in; only cmd/sluice-kiosk imports
// fyne's app package (and with it the GL driver).
func TestNoFyneApp(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH: cannot list dependencies")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "fyne.io/fyne/v2/app" || strings.HasPrefix(dep, "fyne.io/fyne/v2/internal/driver/glfw") {
			t.Errorf("ui depends on %s", dep)
		}
	}
}
