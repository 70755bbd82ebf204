package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sluice-ot/sluice/transfer"
)

const keysUsage = `usage: sluice keys generate --out PREFIX

Writes a new minisign key pair: PREFIX.key (secret, mode 0600) and
PREFIX.pub. Stations sign transfers with their key; admins sign rule
bundles with theirs. Existing files are never overwritten.

flags:
`

func runKeys(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 || args[0] != "generate" {
		return ExitFailed, userErr("keys needs a subcommand", "run 'sluice keys generate --out PREFIX'")
	}
	fs := flag.NewFlagSet("keys generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, keysUsage); fs.PrintDefaults() }
	out := fs.String("out", "", "path `prefix` of the key files")
	rest, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return ExitFailed, err
	}
	if *out == "" || len(rest) > 0 {
		return ExitFailed, userErr("keys generate needs --out PREFIX and nothing else", "run 'sluice keys generate --help'")
	}
	if err := transfer.GenerateKeyFiles(*out); err != nil {
		if errors.Is(err, os.ErrExist) {
			return ExitFailed, wrapUserErr(err, "choose another --out prefix; existing keys are never overwritten")
		}
		return ExitFailed, wrapUserErr(err, "check that the folder exists and is writable")
	}
	fmt.Fprintf(stdout, "wrote %s.key (secret: keep it on the station) and %s.pub\n", *out, *out)
	return ExitOK, nil
}
