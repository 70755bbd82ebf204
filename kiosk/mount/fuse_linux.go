//go:build linux

package mount

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// helper is a FUSE driver process serving one mount. It runs in the
// foreground as our child: we keep its pid, a goroutine reaps it (no
// zombies), and Release can kill it.
type helper struct {
	cmd    *exec.Cmd
	done   chan struct{} // closed once the process has been reaped
	stderr *tail
}

// kill ends the helper at once; the kernel aborts its FUSE connection.
func (h *helper) kill() { h.cmd.Process.Signal(syscall.SIGKILL) }

// wait waits for the helper to exit after its unmount, killing it if it
// lingers.
func (h *helper) wait(d time.Duration) {
	select {
	case <-h.done:
		return
	case <-time.After(d):
	}
	h.kill()
	<-h.done
}

// startHelper runs a FUSE helper and waits until its mount appears on dir.
func startHelper(ctx context.Context, p plan, dir string) (*helper, error) {
	prog, err := exec.LookPath(p.prog)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDriver, err)
	}
	h := &helper{cmd: exec.Command(prog, p.args...), done: make(chan struct{}), stderr: &tail{}}
	// stdout carries debug chatter (fusefat prints a line per request,
	// exfat-fuse -d its FUSE trace): discarded. stderr's tail explains
	// failures.
	h.cmd.Stdout = io.Discard
	h.cmd.Stderr = h.stderr
	h.cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	// Own process group: a ^C to the daemon's group is not the helper's
	// business; Release ends it after unmounting.
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := h.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { h.cmd.Wait(); close(h.done) }()

	tick := time.NewTicker(15 * time.Millisecond)
	defer tick.Stop()
	for {
		if mounted(dir) {
			break
		}
		select {
		case <-h.done:
			return nil, fmt.Errorf("%s exited: %s", p.prog, h.stderr.String())
		case <-ctx.Done():
			h.kill()
			<-h.done
			unmountAll(dir, nil)
			return nil, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
		case <-tick.C:
		}
	}
	// Helpers drop options they do not know (exfat-fuse drops noexec);
	// a bind remount sets the mount point's flags whatever the helper did.
	if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_BIND|mountFlags, ""); err != nil {
		unmountAll(dir, h.kill)
		h.wait(2 * time.Second)
		return nil, fmt.Errorf("remount %s %s: %w", dir, fuseBase, err)
	}
	return h, nil
}

// mounted reports whether something is mounted exactly on dir.
func mounted(dir string) bool {
	pts, err := mountsUnder(dir)
	if err != nil {
		return false
	}
	for _, p := range pts {
		if p == dir {
			return true
		}
	}
	return false
}

// tail keeps the last bytes written to it, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 1024

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailMax {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailMax:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.buf))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 && len(s)-i > 1 {
		// The last line usually says why; keep it short for the report.
		s = s[i+1:]
	}
	return s
}
