//go:build linux

package guard

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// HostNSEnv, in the environment of `sluice-guard run`, names the file
// descriptor of the users' mount namespace. Its presence also says that
// the process already runs in a private mount namespace of its own.
const HostNSEnv = "SLUICE_GUARD_HOST_NS"

// ReexecInPrivateNamespace opens the current (users') mount namespace,
// moves the calling thread into a new one whose mounts are all private,
// and replaces the process with exe there, the users' namespace left open
// at the descriptor HostNSEnv names. Every thread of the new process
// shares the private namespace, and nothing mounted there propagates
// anywhere. It returns only on failure.
func ReexecInPrivateNamespace(exe string, args, env []string) error {
	// No O_CLOEXEC: the descriptor must survive the exec.
	host, err := unix.Open("/proc/self/ns/mnt", unix.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("private mount namespace: open host namespace: %w", err)
	}
	// Only this thread changes namespace; it is the one that execs.
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		unix.Close(host)
		return fmt.Errorf("private mount namespace: unshare: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		unix.Close(host)
		return fmt.Errorf("private mount namespace: make / rprivate: %w", err)
	}
	err = syscall.Exec(exe, args, append(env, HostNSEnv+"="+strconv.Itoa(host)))
	unix.Close(host)
	return fmt.Errorf("private mount namespace: exec %s: %w", exe, err)
}

// HostNamespace returns the users' mount namespace that
// ReexecInPrivateNamespace left open, given the value of HostNSEnv; nil
// when value is empty. The descriptor is made close-on-exec, so that no
// helper the guard runs inherits it.
func HostNamespace(value string) (*os.File, error) {
	if value == "" {
		return nil, nil
	}
	fd, err := strconv.Atoi(value)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("%s=%q: not a file descriptor", HostNSEnv, value)
	}
	link, err := os.Readlink("/proc/self/fd/" + value)
	if err != nil || !strings.HasPrefix(link, "mnt:[") {
		return nil, fmt.Errorf("%s=%s: not a mount namespace (%q, %v)", HostNSEnv, value, link, err)
	}
	unix.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), "host-mnt-ns"), nil
}
