// Package cli implements the sluice command line. Main is the only entry
// point; it maps every failure to an exit status in one place.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sluice-ot/sluice/internal/cliflag"
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

// userError is a failure the user can act on: what is wrong and what to do.
type userError struct {
	msg, hint string
	err       error
}

func (e *userError) Error() string { return e.msg }
func (e *userError) Unwrap() error { return e.err }

func userErr(msg, hint string) error { return &userError{msg: msg, hint: hint} }

func wrapUserErr(err error, hint string) error {
	return &userError{msg: err.Error(), hint: hint, err: err}
}

// errHelp is returned when the user asked for a command's help text.
var errHelp = errors.New("help requested")

// reportError prints err as one line: what is wrong, then what to do.
func reportError(w io.Writer, err error) {
	var ue *userError
	if errors.As(err, &ue) && ue.hint != "" {
		fmt.Fprintf(w, "sluice: %s; %s\n", printable(ue.msg), ue.hint)
		return
	}
	fmt.Fprintf(w, "sluice: %s\n", printable(err.Error()))
}

// printable and multiFlag are the CLI tools' shared ones.
var printable = cliflag.Printable

type multiFlag = cliflag.Strings
