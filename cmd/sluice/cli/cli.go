// Package cli implements the sluice command line. Main is the only entry
// point; it maps every failure to an exit status in one place.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sluice-ot/sluice/internal/clitool"
)

// Exit statuses shared by every command.
const (
	ExitOK       = 0 // success; for scan: every file clean
	ExitFindings = 1 // for scan: at least one file not clean
	ExitFailed   = 2 // the command could not run
)

const usage = `usage: sluice <command> [flags] [args]

commands:
  scan      scan files and folders with the station's engines;
            with --out, publish the clean ones as a signed transfer
  verify    check a signed transfer or a drive carrying one
  keys      generate a key pair (keys generate --out PREFIX)
  rules     build, sign and inspect signed rule bundles (rules build|sign|inspect)
  status    show the station daemon's state
  sessions  list the station's sessions, or show one with its files
  watch     follow sessions live
  audit     check the audit log's hash chain (audit verify [FILE])
  admin     set up admin login on the station (admin init), or check it (admin whoami)
  version   print the version

Run 'sluice <command> --help' for a command's flags.
`

// Version is set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

// Main runs one sluice command and returns its exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitFailed
	}
	var code int
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "scan":
		code, err = runScan(ctx, rest, stdout, stderr)
	case "keys":
		code, err = runKeys(ctx, rest, stdout, stderr)
	case "verify":
		code, err = runVerify(ctx, rest, stdout, stderr)
	case "rules":
		code, err = runRules(ctx, rest, stdout, stderr)
	case "audit":
		code, err = runAudit(ctx, rest, stdout, stderr)
	case "status":
		code, err = runStatus(ctx, rest, stdout, stderr)
	case "sessions":
		code, err = runSessions(ctx, rest, stdout, stderr)
	case "watch":
		code, err = runWatch(ctx, rest, stdout, stderr)
	case "admin":
		code, err = runAdmin(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "sluice", Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = userErr(fmt.Sprintf("unknown command %q", cmd), "run 'sluice help' for the list of commands")
	}
	if errors.Is(err, errHelp) {
		return ExitOK
	}
	if err != nil {
		reportError(stderr, err)
		return ExitFailed
	}
	return code
}

// The tools' shared error and printing rules (see clitool).
type userError = clitool.UserError

var (
	userErr     = clitool.UserErr
	wrapUserErr = clitool.WrapUserErr
)

func reportError(w io.Writer, err error) { clitool.ReportError(w, "sluice", err) }

// errHelp is returned when the user asked for a command's help text.
var errHelp = errors.New("help requested")

// printable and multiFlag are the CLI tools' shared ones.
var printable = clitool.Printable

type multiFlag = clitool.Strings
