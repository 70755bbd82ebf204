package audit_test

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sluice-ot/sluice/audit"
	"github.com/sluice-ot/sluice/internal/testenv"
)

// TestSyslogSandboxed: in a process that may not open IP sockets, as
// under systemd's RestrictAddressFamilies=AF_UNIX AF_NETLINK (the station's
// unit without its syslog drop-in), a syslog target is refused at start
// instead of every message being dropped later, unseen. The test runs
// itself again under the same kind of seccomp filter systemd installs.
func TestSyslogSandboxed(t *testing.T) {
	if os.Getenv("SLUICE_SYSLOG_SANDBOXED") == "1" {
		if err := forbidIPSockets(); err != nil {
			fmt.Println("seccomp:", err)
			os.Exit(2)
		}
		_, err := audit.NewSyslog("udp://192.0.2.1:514", audit.SyslogOptions{Hostname: "st-01"})
		if err == nil || !strings.Contains(err.Error(), "may not open network sockets") {
			fmt.Printf("NewSyslog in the sandbox = %v, want the sandbox named\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if runtime.GOARCH != "amd64" {
		testenv.Require(t, "the seccomp filter of this test is written for amd64")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSyslogSandboxed$")
	cmd.Env = append(os.Environ(), "SLUICE_SYSLOG_SANDBOXED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sandboxed: %v\n%s", err, out)
	}
}

// forbidIPSockets makes socket(AF_INET or AF_INET6, …) fail with
// EAFNOSUPPORT in every thread of this process, as systemd's
// RestrictAddressFamilies does.
func forbidIPSockets() error {
	const (
		archOff = 4  // offsetof(struct seccomp_data, arch)
		argsOff = 16 // offsetof(struct seccomp_data, args[0]), low word
	)
	stmt := func(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }
	jump := func(k uint32, jt, jf uint8) unix.SockFilter {
		return unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: k, Jt: jt, Jf: jf}
	}
	prog := []unix.SockFilter{
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, archOff),
		jump(unix.AUDIT_ARCH_X86_64, 0, 5),
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, 0), // the syscall number
		jump(unix.SYS_SOCKET, 0, 3),
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, argsOff),
		jump(unix.AF_INET, 2, 0),
		jump(unix.AF_INET6, 1, 0),
		stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ALLOW),
		stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ERRNO|uint32(unix.EAFNOSUPPORT)),
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if _, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog))); errno != 0 {
		return errno
	}
	return nil
}
