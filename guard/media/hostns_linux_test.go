//go:build linux

package media

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/transfer"
)

// The child side of TestAttachHostNamespace: a test binary re-executed in
// a private mount namespace, the host's namespace at fd 3, doing what
// SLUICE_MEDIA_CHILD says.
const childEnv = "SLUICE_MEDIA_CHILD"

// childRequest is what the host test asks of the child.
type childRequest struct {
	Do        string // "attach" (then waits for a line on stdin, and releases) or "clean"
	Dev, Pub  string
	WorkDir   string
	ExposeDir string
}

// TestHostNSChild is not a test of its own: it runs only as the child of
// TestAttachHostNamespace, and reports on stdout, one JSON line per step.
func TestHostNSChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("runs only as the child of TestAttachHostNamespace")
	}
	var req childRequest
	if err := json.Unmarshal([]byte(spec), &req); err != nil {
		t.Fatal(err)
	}
	host := os.NewFile(3, "host-mnt-ns")
	out := json.NewEncoder(os.Stdout)
	opts := Options{WorkDir: req.WorkDir, ExposeDir: req.ExposeDir, HostNS: host, Log: testLogger(t)}
	switch req.Do {
	case "clean":
		cleaned, err := CleanStale(opts)
		if err != nil {
			t.Fatalf("CleanStale = %v", err)
		}
		out.Encode(cleaned)
	case "attach":
		keys, err := transfer.LoadPublicKeys(req.Pub)
		if err != nil {
			t.Fatal(err)
		}
		opts.Trusted = keys
		e, res, err := Attach(t.Context(), req.Dev, opts)
		if err != nil || e == nil {
			t.Fatalf("Attach = %v %q %v", res.Allowed, res.Reason, err)
		}
		// What the child sees of its own verification mounts.
		out.Encode(map[string]any{"points": e.Points(), "private": mountsBelow(t, req.WorkDir, "/nonexistent")})
		bufio.NewReader(os.Stdin).ReadString('\n')
		if err := e.Release(); err != nil {
			t.Fatalf("Release = %v", err)
		}
		out.Encode("released")
	}
}

// hostChild is a running child of TestAttachHostNamespace.
type hostChild struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines *bufio.Scanner
}

func startChild(t *testing.T, req childRequest) *hostChild {
	t.Helper()
	host, err := os.Open("/proc/self/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	spec, _ := json.Marshal(req)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostNSChild$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+string(spec))
	cmd.ExtraFiles = []*os.File{host}
	// A mount namespace of its own, every mount private (Go makes /
	// rprivate in the child for CLONE_NEWNS).
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &hostChild{cmd: cmd, in: in, lines: bufio.NewScanner(out)}
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
	return c
}

// next decodes the child's next JSON line into v (test -v chatter skipped).
func (c *hostChild) next(t *testing.T, v any) {
	t.Helper()
	for c.lines.Scan() {
		l := c.lines.Text()
		if strings.HasPrefix(l, "{") || strings.HasPrefix(l, "[") || strings.HasPrefix(l, `"`) || l == "null" {
			if err := json.Unmarshal([]byte(l), v); err != nil {
				t.Fatalf("child said %q: %v", l, err)
			}
			return
		}
		t.Logf("child: %s", l)
	}
	t.Fatalf("child ended early: %v", c.cmd.Wait())
}

// TestAttachHostNamespace runs Attach in a private mount namespace with
// HostNS the namespace of this test (the "host"), on a FAT drive (a FUSE
// mount on the test machines) and an ext4 one (a kernel mount). The host
// sees the exposure, read-only, nosuid, nodev, noexec and readable, and
// no verification mount at all; Release takes it away. After kill -9 of
// the child, the exposure stays in the host (it is a mount of the host's
// namespace) until CleanStale from a fresh child takes it down.
func TestAttachHostNamespace(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	pub := filepath.Join(t.TempDir(), "station.pub")
	if err := os.WriteFile(pub, []byte(st.pub.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tr := scanTo(t, st, driveFiles)
	for _, tc := range []struct {
		name string
		img  func() string
		kill bool
	}{
		{"fat", func() string { return fatImage(t, tr, "PLANT DATA") }, false},
		{"ext4", func() string { return ext4Image(t, tr, "PLANT DATA") }, false},
		{"ext4-kill", func() string { return ext4Image(t, tr, "PLANT DATA") }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := attachLoop(t, tc.img())
			opts := testOptions(t, st.pub)
			req := childRequest{Do: "attach", Dev: dev, Pub: pub, WorkDir: opts.WorkDir, ExposeDir: opts.ExposeDir}
			c := startChild(t, req)
			var said struct{ Points, Private []string }
			c.next(t, &said)
			point := filepath.Join(opts.ExposeDir, "PLANT DATA")
			if len(said.Points) != 1 || said.Points[0] != point {
				t.Fatalf("exposed at %v, want %s", said.Points, point)
			}
			if len(said.Private) == 0 {
				t.Errorf("the child sees no verification mount below %s", opts.WorkDir)
			} else {
				t.Logf("child mounts: %v", said.Private)
			}
			// The host: the exposure, and nothing else.
			if got := mountsBelow(t, opts.WorkDir, opts.ExposeDir); !slices.Equal(got, []string{point}) {
				t.Errorf("host mounts below work and expose dirs = %v, want only %s", got, point)
			}
			seen := strings.Split(mountOptions(t, point), ",")
			for _, want := range []string{"ro", "nosuid", "nodev", "noexec"} {
				if !slices.Contains(seen, want) {
					t.Errorf("exposure options %v lack %s", seen, want)
				}
			}
			got, err := os.ReadFile(filepath.Join(point, "Sub Folder", "Values Table.csv"))
			if err != nil || string(got) != driveFiles["Sub Folder/Values Table.csv"] {
				t.Errorf("exposed file = %q %v", got, err)
			}
			if err := os.WriteFile(filepath.Join(point, "new.txt"), []byte("x"), 0o644); err == nil {
				t.Errorf("wrote to the exposure")
			}

			if tc.kill {
				c.cmd.Process.Signal(syscall.SIGKILL)
				c.cmd.Wait()
				if got := mountsBelow(t, opts.WorkDir, opts.ExposeDir); !slices.Equal(got, []string{point}) {
					t.Errorf("after kill -9, host mounts = %v, want the exposure %s", got, point)
				}
				if _, err := os.ReadFile(filepath.Join(point, "Sub Folder", "Values Table.csv")); err != nil {
					t.Errorf("after kill -9, exposure unreadable: %v", err)
				}
				clean := startChild(t, childRequest{Do: "clean", WorkDir: opts.WorkDir, ExposeDir: opts.ExposeDir})
				var cleaned []string
				clean.next(t, &cleaned)
				if !slices.Contains(cleaned, point) {
					t.Errorf("CleanStale cleaned %v, want %s among them", cleaned, point)
				}
				if err := clean.cmd.Wait(); err != nil {
					t.Errorf("clean child: %v", err)
				}
			} else {
				fmt.Fprintln(c.in, "release")
				var done string
				c.next(t, &done)
				if err := c.cmd.Wait(); err != nil {
					t.Errorf("child: %v", err)
				}
			}
			if left := mountsBelow(t, opts.WorkDir, opts.ExposeDir); len(left) > 0 {
				t.Errorf("host still has %v", left)
			}
			if _, err := os.Lstat(point); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("exposure folder after release: %v", err)
			}
			// The loop device is free again: nothing holds it open.
			deadline := time.Now().Add(5 * time.Second)
			for exec.Command("umount", dev).Run(); ; {
				if f, err := os.OpenFile(dev, os.O_RDONLY|syscall.O_EXCL, 0); err == nil {
					f.Close()
					break
				} else if time.Now().After(deadline) {
					t.Errorf("%s still busy: %v", dev, err)
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}
