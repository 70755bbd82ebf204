//go:build !linux

package guard

import (
	"fmt"
	"os"
	"runtime"
)

// HostNSEnv, in the environment of `sluice-guard run`, names the file
// descriptor of the users' mount namespace (Linux only).
const HostNSEnv = "SLUICE_GUARD_HOST_NS"

// ReexecInPrivateNamespace is not supported outside Linux.
func ReexecInPrivateNamespace(exe string, args, env []string) error {
	return fmt.Errorf("private mount namespace on %s: not supported", runtime.GOOS)
}

// HostNamespace is always nil outside Linux.
func HostNamespace(value string) (*os.File, error) { return nil, nil }
