// Command sluice is the admin's tool: offline scans and checks, and a
// client of the station daemon.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/sluice-ot/sluice/cmd/sluice/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
