package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/sluice-ot/sluice/audit"
)

const defaultAuditLog = "/var/lib/sluice/audit.log"

const auditUsage = `usage: sluice audit verify [--anchor SEQ:HASH] [FILE]

Checks the station's hash-chained audit log (default ` + defaultAuditLog + `):
every line is well formed, numbered in order and carries the hash of the
line before. With --anchor (a head the station sent to syslog), also checks
that line SEQ is still there with that hash, which catches lines removed
from the end. Exit status: 0 intact, 1 broken (the first broken line), 2
could not check.

flags:
`

func runAudit(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, auditUsage)
			return ExitOK, errHelp
		}
		return ExitFailed, userErr("audit needs a subcommand", "run 'sluice audit verify [FILE]'")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, auditUsage); fs.PrintDefaults() }
	anchorFlag := fs.String("anchor", "", "expected head `SEQ:HASH` from syslog (ANCHOR events)")
	paths, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return ExitFailed, err
	}
	if len(paths) > 1 {
		return ExitFailed, userErr("audit verify takes at most one log file", "run 'sluice audit --help' for usage")
	}
	path := defaultAuditLog
	if len(paths) == 1 {
		path = paths[0]
	}
	var anchor *audit.Anchor
	if *anchorFlag != "" {
		seq, hash, ok := strings.Cut(*anchorFlag, ":")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok || err != nil || n < 1 || len(hash) != len(audit.Genesis) {
			return ExitFailed, userErr(fmt.Sprintf("bad --anchor %q", *anchorFlag), "give SEQ:HASH as sent in the syslog ANCHOR event")
		}
		anchor = &audit.Anchor{Seq: n, Hash: strings.ToLower(hash)}
	}
	f, err := os.Open(path)
	if err != nil {
		return ExitFailed, wrapUserErr(err, "check the path, or run as a user who can read the log")
	}
	defer f.Close()
	var n int
	if anchor != nil {
		n, err = audit.VerifyAnchor(f, *anchor)
	} else {
		n, err = audit.Verify(f)
	}
	var ce *audit.ChainError
	if errors.As(err, &ce) {
		fmt.Fprintf(stdout, "audit log %s: line %d: %s\n", printable(path), ce.Line, ce.Reason)
		return ExitFindings, nil
	}
	if err != nil {
		return ExitFailed, wrapUserErr(err, "check the disk and try again")
	}
	fmt.Fprintf(stdout, "audit log %s: %s, chain intact\n", printable(path), count(n, "line"))
	return ExitOK, nil
}
