// Command sluiced is the station daemon: it watches for USB drives, runs a
// session for each, and serves the local API. It runs as root, in a mount
// namespace of its own, so that the drives it mounts are invisible to the
// rest of the station.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/sluice-ot/sluice/kiosk"
	"github.com/sluice-ot/sluice/kiosk/config"
	"github.com/sluice-ot/sluice/kiosk/mount"
)

// Version is set at build time.
var Version = "dev"

// nsMarker in the environment says the process already runs in its own
// mount namespace: re-executed by itself, or started by systemd with
// PrivateMounts=yes.
const nsMarker = "SLUICED_MOUNT_NAMESPACE"

func main() {
	cfgPath := flag.String("config", config.DefaultPath, "configuration `file`")
	ownNS := flag.Bool("mount-namespace", true, "run in a private mount namespace; systemd's PrivateMounts=yes can do it instead")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sluiced:", err)
		os.Exit(2)
	}
	if *ownNS && os.Getenv(nsMarker) == "" {
		if err := reexecInNamespace(); err != nil {
			fmt.Fprintln(os.Stderr, "sluiced:", err)
			os.Exit(1)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = kiosk.RunDaemon(ctx, cfg, kiosk.DaemonOptions{Version: Version, Log: log})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sluiced:", err)
		// A setting found wrong at start is a configuration error, as
		// one config.Load finds.
		var bad *config.Error
		if errors.As(err, &bad) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// reexecInNamespace moves this thread into a new mount namespace and
// replaces the process with itself there, so that every thread of the
// daemon shares it. It returns only on failure.
func reexecInNamespace() error {
	if err := mount.EnterPrivateNamespace(); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return syscall.Exec(exe, os.Args, append(os.Environ(), nsMarker+"=self"))
}
