package builtin

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoCgo pins the package's promise: the embedded rules are usable by
// code that must build without cgo, so the package never links go-yara.
func TestNoCgo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH: cannot list dependencies")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "go-yara") || dep == "runtime/cgo" {
			t.Errorf("rules/builtin depends on %s", dep)
		}
	}
}
