package model

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoFyne pins the view model's promise: it is pure Go, tested without
// a display, so it never links fyne.
func TestNoFyne(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH: cannot list dependencies")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".", "../catalog").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "fyne.io/") {
			t.Errorf("ui/model or ui/catalog depends on %s", dep)
		}
	}
}
