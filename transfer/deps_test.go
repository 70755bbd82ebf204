package transfer

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// TestStandalone pins the package's promise: pure Go, and no other sluice
// package, so that the endpoint guard can use it alone.
func TestStandalone(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		testenv.Require(t, "go tool not in PATH: cannot list dependencies")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "runtime/cgo" || (strings.HasPrefix(dep, "github.com/sluice-ot/sluice/") && dep != "github.com/sluice-ot/sluice/transfer") {
			t.Errorf("transfer depends on %s", dep)
		}
	}
}
