package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/sluice-ot/sluice/guard"
	"github.com/sluice-ot/sluice/guard/media"
	"github.com/sluice-ot/sluice/transfer"
)

const checkUsage = `usage: sluice-guard check [--config FILE] [--pub FILE]... PATH|DEVICE

Judges a block device, a disk image or a mounted folder exactly as the
daemon judges a USB drive, and changes nothing: every volume must carry a
transfer signed by a trusted station key, not expired, every file present
and unchanged, nothing else there. The keys are the --pub files, or else
the configuration's trusted_keys. Exit status: 0 allowed, 1 blocked (the
reason, then one line per volume), 2 could not check.

flags:
`

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fset := flag.NewFlagSet("check", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, checkUsage); fset.PrintDefaults() }
	cfgPath := fset.String("config", "", "configuration `file` (default "+guard.DefaultConfigPath+" when no --pub is given)")
	var pubs multiFlag
	fset.Var(&pubs, "pub", "trusted station public key `file`; repeatable")
	paths, err := parseInterleaved(fset, args)
	if err != nil {
		return ExitFailed, err
	}
	if len(paths) != 1 {
		return ExitFailed, userErr("check needs exactly one device, image or folder", "run 'sluice-guard check --help' for usage")
	}
	cfg := guard.Defaults()
	if *cfgPath != "" || len(pubs) == 0 {
		p := *cfgPath
		if p == "" {
			p = guard.DefaultConfigPath
		}
		if cfg, err = guard.LoadConfig(p); err != nil {
			if *cfgPath == "" && errors.Is(err, fs.ErrNotExist) {
				return ExitFailed, userErr("no trusted key", "give the station's public key with --pub FILE, or a configuration with --config")
			}
			return ExitFailed, wrapUserErr(err, "fix the configuration file")
		}
	}
	if len(pubs) == 0 {
		pubs = cfg.TrustedKeys
	}
	keys, err := transfer.LoadPublicKeys(pubs...)
	if err != nil {
		return ExitFailed, wrapUserErr(err, "check the public key files")
	}
	// The daemon's options, so that check judges as it does.
	opts := guard.MediaOptions(cfg, keys, slog.New(slog.DiscardHandler))
	res, err := media.Check(ctx, paths[0], opts)
	if err != nil {
		return ExitFailed, wrapUserErr(err, "check the path (a block device or an image needs root)")
	}
	printResult(stdout, res)
	if !res.Allowed {
		return ExitBlocked, nil
	}
	return ExitOK, nil
}

// printResult writes the verdict, then one line per volume and one per
// problem. Everything read from the drive goes through printable.
func printResult(w io.Writer, res media.Result) {
	verdict := "allowed"
	if !res.Allowed {
		verdict = "blocked"
	}
	fmt.Fprintf(w, "%s: %s\n", verdict, printable(res.Reason))
	for _, p := range res.Partitions {
		var what []string
		if p.FSType != "" {
			what = append(what, p.FSType)
		}
		if p.Label != "" {
			what = append(what, "label "+printable(p.Label))
		}
		line := "  " + printable(p.Name)
		if len(what) > 0 {
			line += " (" + strings.Join(what, ", ") + ")"
		}
		line += ": " + printable(p.Reason)
		if p.Transfer != "" {
			line += ", transfer " + printable(p.Transfer)
		}
		fmt.Fprintln(w, line)
		for _, pb := range p.Problems {
			fmt.Fprintln(w, "    "+printable(pb.String()))
		}
	}
}
