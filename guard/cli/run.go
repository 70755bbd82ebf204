package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sluice-ot/sluice/guard"
)

const runUsage = `usage: sluice-guard run [--config FILE]

Enforces the USB policy until stopped: new USB devices start
unauthorized, every device is judged by the configured policy, and USB
storage is exposed read-only only when it carries a valid transfer signed
by a trusted station.

flags:
`

func runDaemon(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, runUsage); fs.PrintDefaults() }
	cfgPath := fs.String("config", guard.DefaultConfigPath, "configuration `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return userErr("run takes no arguments", "run 'sluice-guard run --help' for usage")
	}
	cfg, err := guard.LoadConfig(*cfgPath)
	if err != nil {
		return wrapUserErr(err, "fix the configuration file")
	}
	// Set by cmd/sluice-guard when it re-executed itself into a private
	// mount namespace.
	hostNS, err := guard.HostNamespace(os.Getenv(guard.HostNSEnv))
	if err != nil {
		return err
	}
	return guard.RunDaemon(ctx, cfg, hostNS, stderr)
}
