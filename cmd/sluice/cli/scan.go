package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/sluice-ot/sluice/internal/clitool"
	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/filetype"
)

const scanUsage = `usage: sluice scan [flags] PATH...

Scans files and folders with YARA rules, hash lists, the file-type policy
and archive inspection. Exit status: 0 every file clean, 1 at least one file
infected, blocked or in error, 2 the scan could not run.

flags:
`

type scanFlags struct {
	rules        multiFlag
	withDefaults bool
	block, allow multiFlag
	json         bool
	all          bool
	workers      int
	spool        string
	timeout      time.Duration

	// Publishing a transfer of the clean files.
	out       string
	key       string
	stationID string
	expires   time.Duration
}

func parseScanFlags(args []string, stderr io.Writer) (*scanFlags, []string, error) {
	f := &scanFlags{}
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, scanUsage)
		fs.PrintDefaults()
	}
	fs.Var(&f.rules, "rules", "YARA rule `file or folder` (.yar, .yara); repeatable; replaces the built-in rules")
	fs.BoolVar(&f.withDefaults, "with-defaults", false, "keep the built-in rules as well as those given with --rules")
	fs.Var(&f.block, "block-hashes", "hash blocklist `file`; repeatable")
	fs.Var(&f.allow, "allow-hashes", "hash allowlist `file`; repeatable")
	fs.BoolVar(&f.json, "json", false, "print JSON lines: one per file, then a summary")
	fs.BoolVar(&f.all, "all", false, "list clean files too, not only those held back")
	fs.IntVar(&f.workers, "workers", runtime.NumCPU(), "scanning `goroutines`")
	fs.StringVar(&f.spool, "spool", os.TempDir(), "`folder` on a local disk for the spool copies")
	fs.DurationVar(&f.timeout, "timeout", time.Minute, "YARA time limit per file, in whole seconds; a file that takes longer is blocked")
	fs.StringVar(&f.out, "out", "", "publish the clean files as a signed transfer in this `folder`")
	fs.StringVar(&f.key, "key", "", "station secret key `file` that signs the transfer (with --out)")
	fs.StringVar(&f.stationID, "station-id", defaultStationID(), "station `id` written into the manifest")
	fs.DurationVar(&f.expires, "expires", 0, "the transfer expires after this `duration` (e.g. 720h); 0 never")
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if len(paths) == 0 {
		return nil, nil, userErr("scan needs at least one file or folder", "run 'sluice scan --help' for usage")
	}
	if (f.out == "") != (f.key == "") {
		return nil, nil, userErr("--out and --key go together", "give both to publish a transfer, or neither to only scan")
	}
	if f.expires < 0 {
		return nil, nil, userErr("--expires must not be negative", "give a duration such as 720h, or 0 for never")
	}
	if f.workers < 1 {
		return nil, nil, userErr(fmt.Sprintf("--workers %d is not a positive number", f.workers), "give 1 or more")
	}
	return f, paths, nil
}

// parseInterleaved parses flags that may come before, between or after
// the positional arguments ("sluice scan DIR --json"); "--" ends flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, err := clitool.ParseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, errHelp
	}
	if err != nil {
		return nil, userErr(err.Error(), "run 'sluice "+fs.Name()+" --help' for usage")
	}
	return pos, nil
}

func runScan(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	f, paths, err := parseScanFlags(args, stderr)
	if err != nil {
		return ExitFailed, err
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return ExitFailed, wrapUserErr(err, "check the path and try again")
		}
	}
	if err := os.MkdirAll(f.spool, 0o700); err != nil {
		return ExitFailed, wrapUserErr(err, "give a writable folder with --spool")
	}

	eng, err := loadEngines(f, stderr)
	if err != nil {
		return ExitFailed, err
	}
	defer eng.Close()

	cfg := scanner.Config{Policy: filetype.DefaultPolicy(), Workers: f.workers, SpoolDir: f.spool}
	eng.Configure(&cfg)
	sc, err := scanner.New(cfg)
	if err != nil {
		return ExitFailed, wrapUserErr(err, "give a writable folder with --spool")
	}

	var pub *publisher
	if f.out != "" {
		if pub, err = startPublisher(f, stderr); err != nil {
			return ExitFailed, err
		}
	}

	out := newScanOutput(stdout, f.json, f.all)
	prog := scanner.NewProgress(nil)
	line := startProgressLine(stderr, prog)
	sum, err := sc.Scan(ctx, paths, func(r *scanner.Result, spool *os.File) error {
		if pub != nil {
			if err := pub.add(r, spool); err != nil {
				return err
			}
		}
		return line.write(func() error { return out.result(r) })
	}, prog)
	line.stop()

	var published string
	if pub != nil {
		var perr error
		published, perr = pub.finish(err, eng.Version())
		if err == nil && perr != nil {
			return ExitFailed, publishError(perr)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return ExitFailed, userErr("scan interrupted", "nothing was judged clean and nothing was published; run it again")
		}
		if pub != nil {
			return ExitFailed, publishError(err)
		}
		return ExitFailed, err
	}
	if err := out.summary(sum, eng, published, pub != nil); err != nil {
		return ExitFailed, err
	}
	if sum.Counts.Clean != sum.Files {
		return ExitFindings, nil
	}
	return ExitOK, nil
}

// defaultStationID is the host name, which is what an admin would expect
// to read in a manifest when no id is configured.
func defaultStationID() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "sluice"
	}
	return h
}
