package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/sluice-ot/sluice/transfer"
)

const verifyUsage = `usage: sluice verify --pub FILE [--pub FILE]... [--ignore-expiry] PATH

Checks a transfer folder, or a mounted drive whose root holds .sluice/: the
signature is by a trusted station key, the manifest is well formed and not
expired, every listed file is present and unchanged, and nothing else is
there. Exit status: 0 valid, 1 invalid (one line per problem), 2 could not
check.

flags:
`

func runVerify(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, verifyUsage); fs.PrintDefaults() }
	var pubs multiFlag
	fs.Var(&pubs, "pub", "trusted station public key `file`; repeatable")
	ignoreExpiry := fs.Bool("ignore-expiry", false, "accept an expired manifest (audits of old transfers)")
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitFailed, err
	}
	if len(paths) != 1 {
		return ExitFailed, userErr("verify needs exactly one transfer folder or drive", "run 'sluice verify --help' for usage")
	}
	if len(pubs) == 0 {
		return ExitFailed, userErr("verify needs at least one --pub key", "give the station's public key file, e.g. --pub station.pub")
	}
	keys, err := transfer.LoadPublicKeys(pubs...)
	if err != nil {
		return ExitFailed, wrapUserErr(err, "check the --pub files")
	}
	m, problems, err := transfer.Verify(paths[0], keys, transfer.VerifyOptions{Now: time.Now, IgnoreExpiry: *ignoreExpiry})
	if err != nil {
		return ExitFailed, wrapUserErr(err, "check the path and try again")
	}
	if len(problems) > 0 {
		for _, p := range problems {
			line := "invalid: " + p.Kind
			if p.Path != "" {
				line += " " + printable(p.Path)
			}
			if p.Detail != "" {
				line += ": " + printable(p.Detail)
			}
			fmt.Fprintln(stdout, line)
		}
		return ExitFindings, nil
	}
	fmt.Fprintf(stdout, "valid: transfer %s from station %s, created %s, %s\n",
		printable(m.ID), printable(m.Station), m.Created.UTC().Format(time.RFC3339), count(len(m.Files), "file"))
	return ExitOK, nil
}
