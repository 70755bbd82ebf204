// Package cli is the sluice-guard command line: `run` (the daemon) and
// `check` (judge a drive, an image or a folder without changing
// anything). Main is the only entry point; it maps every failure to an
// exit status in one place, following cmd/sluice's conventions.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/sluice-ot/sluice/internal/clitool"
)

// Exit statuses.
const (
	ExitOK      = 0 // run: stopped cleanly; check: allowed
	ExitBlocked = 1 // check: the drive is blocked
	ExitFailed  = 2 // the command could not run
)

const usage = `usage: sluice-guard <command> [flags] [args]

commands:
  run       enforce the USB policy on this machine (the daemon)
  check     judge a drive, a disk image or a mounted folder as the daemon
            would, without changing anything
  version   print the version

Run 'sluice-guard <command> --help' for a command's flags.
`

// Version is set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

// Main runs one sluice-guard command and returns its exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitFailed
	}
	var code int
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		err = runDaemon(ctx, rest, stderr)
	case "check":
		code, err = runCheck(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "sluice-guard", Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = userErr(fmt.Sprintf("unknown command %q", cmd), "run 'sluice-guard help' for the list of commands")
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		reportError(stderr, err)
		return ExitFailed
	}
	return code
}

// The tools' shared error and printing rules (see clitool).
var (
	userErr     = clitool.UserErr
	wrapUserErr = clitool.WrapUserErr
)

func reportError(w io.Writer, err error) { clitool.ReportError(w, "sluice-guard", err) }

// printable and multiFlag are the CLI tools' shared ones.
var printable = clitool.Printable

type multiFlag = clitool.Strings

// parseInterleaved parses flags that may come before, between or after
// the positional arguments; "--" ends flags.
var parseInterleaved = clitool.ParseInterleaved
