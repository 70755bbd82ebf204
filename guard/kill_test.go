package guard

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/transfer"
)

// buildGuard builds cmd/sluice-guard once per test.
func buildGuard(t *testing.T) string {
	t.Helper()
	testenv.Tools(t, "go")
	bin := filepath.Join(t.TempDir(), "sluice-guard")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/sluice-guard").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// daemon is a running sluice-guard process; lines carries its log.
type daemon struct {
	cmd   *exec.Cmd
	lines chan string
}

func startDaemon(t *testing.T, bin, cfg string) *daemon {
	t.Helper()
	cmd := exec.Command(bin, "run", "--config", cfg)
	cmd.Env = append(os.Environ(), "JOURNAL_STREAM=") // log to stderr even under systemd
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, lines: make(chan string, 1000)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			d.lines <- sc.Text()
		}
		close(d.lines)
		io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return d
}

// waitLine returns the first log line containing all of want; it fails
// if the daemon exits first.
func (d *daemon) waitLine(t *testing.T, want ...string) string {
	t.Helper()
	var seen []string
next:
	for l := range d.lines {
		seen = append(seen, l)
		for _, w := range want {
			if !strings.Contains(l, w) {
				continue next
			}
		}
		return l
	}
	t.Fatalf("sluice-guard exited without logging %q; log:\n%s", want, strings.Join(seen, "\n"))
	return ""
}

// TestKill9 runs the real binary on a recorded sysfs tree, kills it with
// SIGKILL, plugs devices in while it is dead, and restarts it: nothing
// became allowed meanwhile, and after the restart every device is judged
// again, the new keyboard as new (not as present at boot).
func TestKill9(t *testing.T) {
	testenv.Root(t, "the guard opening the kernel uevent socket and cleaning mounts")
	bin := buildGuard(t)
	root := writeSysfs(t, rootHub1, rootHub2, bootKeyboard, modem)
	dir := t.TempDir()
	if err := transfer.GenerateKeyFiles(filepath.Join(dir, "station")); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "sluice-guard.toml")
	writeFile(t, cfg, fmt.Sprintf(`sysfs_root = %q
trusted_keys = [%q]
expose_dir = %q
work_dir = %q
run_dir = %q
media_timeout = "1s"
[[allow_hid]]
vid = "04d9"
pid = "1603"
`, root, filepath.Join(dir, "station.pub"), filepath.Join(dir, "expose"), filepath.Join(dir, "run", "verify"), filepath.Join(dir, "run")))

	d := startDaemon(t, bin, cfg)
	d.waitLine(t, "initial scan done")
	check := func(when string, want map[string]string) {
		t.Helper()
		for name, w := range want {
			if got := attr(t, root, name, "authorized"); got != w {
				t.Errorf("%s: %s authorized = %s, want %s", when, name, got, w)
			}
		}
		for _, c := range []string{"usb1", "usb2"} {
			if got := attr(t, root, c, "authorized_default"); got != "0" {
				t.Errorf("%s: %s authorized_default = %s, want 0", when, c, got)
			}
		}
	}
	check("first start", map[string]string{"2-2": "1", "1-5": "0"})

	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	d.cmd.Wait()
	// Plugged in while the guard is dead: the kernel leaves them
	// unauthorized (authorized_default=0), and nobody judges them.
	plug(t, root, keyboard)
	plug(t, root, allowedMouse)
	plug(t, root, stick)
	check("guard dead", map[string]string{"2-2": "1", "1-5": "0", "1-2": "0", "1-8": "0", "1-1": "0"})

	d = startDaemon(t, bin, cfg)
	d.waitLine(t, "initial scan done")
	d.waitLine(t, "decision=media-blocked", "device=1-1")
	check("restarted", map[string]string{"2-2": "1", "1-5": "0", "1-2": "0", "1-8": "1", "1-1": "0"})

	// A clean stop leaves the same state behind.
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v", err)
	}
	check("stopped", map[string]string{"2-2": "1", "1-5": "0", "1-2": "0", "1-8": "1", "1-1": "0"})
}
