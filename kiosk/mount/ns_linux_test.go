//go:build linux

package mount

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// TestEnterPrivateNamespace runs the re-exec pattern the daemon uses: a
// child enters a private namespace, execs a shell that mounts a tmpfs,
// and this process (the host's side) must not see it while it exists.
func TestEnterPrivateNamespace(t *testing.T) {
	if dir := os.Getenv("SLUICE_MOUNT_NS_CHILD"); dir != "" {
		if err := EnterPrivateNamespace(); err != nil {
			os.Stdout.WriteString("enter: " + err.Error() + "\n")
			os.Exit(1)
		}
		sh := "mount -t tmpfs sluice-ns-test \"$1\" && grep -q \" $1 \" /proc/self/mountinfo && echo mounted && { read _ || true; }"
		err := syscall.Exec("/bin/sh", []string{"sh", "-c", sh, "sh", dir}, os.Environ())
		os.Stdout.WriteString("exec: " + err.Error() + "\n")
		os.Exit(1)
	}
	testenv.Root(t, "unshare(CLONE_NEWNS)")
	testenv.Tools(t, "mount")
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestEnterPrivateNamespace$")
	cmd.Env = append(os.Environ(), "SLUICE_MOUNT_NS_CHILD="+dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "mounted" {
		stdin.Close()
		cmd.Wait()
		t.Fatalf("child: %q, want \"mounted\"", line)
	}
	if mounted(dir) {
		t.Errorf("the child's mount on %s propagated to the parent's namespace", dir)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Errorf("child: %v", err)
	}
}
