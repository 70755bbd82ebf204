// Command sluice-guard is the endpoint agent: it keeps USB devices
// unauthorized unless the policy allows them, and exposes USB storage
// read-only only when it carries a transfer signed by a trusted station.
// See package guard.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sluice-ot/sluice/guard"
	"github.com/sluice-ot/sluice/guard/cli"
	"github.com/sluice-ot/sluice/kiosk/mount"
)

// nsMarker in the environment says `check` already runs in a mount
// namespace of its own.
const nsMarker = "SLUICE_GUARD_CHECK_NAMESPACE"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "run" && os.Geteuid() == 0 && os.Getenv(guard.HostNSEnv) == "" {
		// The daemon verifies in a private mount namespace of its own and
		// carries valid media into the users' (guard/media). A guard that
		// cannot make one does not run: devices stay unauthorized.
		exe, err := os.Executable()
		if err == nil {
			err = guard.ReexecInPrivateNamespace(exe, os.Args, os.Environ())
		}
		fmt.Fprintln(os.Stderr, "sluice-guard:", err)
		os.Exit(1)
	}
	if len(os.Args) > 1 && os.Args[1] == "check" && os.Geteuid() == 0 && os.Getenv(nsMarker) == "" {
		// check mounts what it judges; in a namespace of its own, nothing
		// it mounts is ever seen by the host, even if it is killed.
		if err := mount.EnterPrivateNamespace(); err == nil {
			if exe, err := os.Executable(); err == nil {
				syscall.Exec(exe, os.Args, append(os.Environ(), nsMarker+"=1"))
			}
		}
		// Falling through checks in the host's namespace, as guard/media
		// allows: its mounts are private and released before it returns.
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
