package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/rules/bundle"
	"github.com/sluice-ot/sluice/transfer"
)

const rulesUsage = `usage: sluice rules <command> [flags]

commands:
  build    make a rule bundle from YARA sources, hash lists and ClamAV databases
  sign     sign a bundle with an admin key
  inspect  show a bundle's metadata, counts and signature status
  list     show the station's active and kept bundles (on the station)
  import   import and activate a bundle on the station (root)
  rollback activate a kept, older bundle on the station (root)

Run 'sluice rules <command> --help' for a command's flags.
`

const rulesBuildUsage = `usage: sluice rules build --name NAME --version N [--expires DATE]
         [--yara PATH]... [--block-hashes FILE]... [--allow-hashes FILE]...
         [--clamav DIR] [--strict] --out BUNDLE.tar

Builds a rule bundle. Every rule file is compiled, all together as the
station will; files that fail are left out and listed. Hash lists are
bundled as given, and their bad lines listed. Exit status: 0 built (with
warnings, if any), 1 not built because inputs were rejected (--strict, or
no rule file compiles), 2 could not build.

flags:
`

const rulesSignUsage = `usage: sluice rules sign --key ADMIN.key BUNDLE.tar

Writes BUNDLE.tar.minisig, a minisign signature that stations check on
import and that 'minisign -Vm BUNDLE.tar -p ADMIN.pub' checks too. Admin
keys come from 'sluice keys generate'.

flags:
`

const rulesInspectUsage = `usage: sluice rules inspect [--pub FILE]... [--contents] BUNDLE.tar

Shows a bundle's metadata, counts and signature status. Exit status: 0
readable (and, with --pub, signed by one of those keys and not expired),
1 invalid, 2 could not check.

flags:
`

func runRules(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 {
		fmt.Fprint(stderr, rulesUsage)
		return ExitFailed, nil
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "build":
		return runRulesBuild(ctx, rest, stdout, stderr)
	case "sign":
		return runRulesSign(ctx, rest, stdout, stderr)
	case "inspect":
		return runRulesInspect(ctx, rest, stdout, stderr)
	case "list":
		return runRulesList(ctx, rest, stdout, stderr)
	case "import":
		return runRulesImport(ctx, rest, stdout, stderr)
	case "rollback":
		return runRulesRollback(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, rulesUsage)
		return ExitOK, nil
	default:
		return ExitFailed, userErr(fmt.Sprintf("unknown rules command %q", cmd), "run 'sluice rules help' for the list")
	}
}

func runRulesBuild(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("rules build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, rulesBuildUsage); fs.PrintDefaults() }
	var opts bundle.BuildOptions
	var yaraPaths, block, allow multiFlag
	fs.StringVar(&opts.Name, "name", "", "bundle `name`: letters, digits, '.', '_', '-'")
	fs.IntVar(&opts.Version, "version", 0, "bundle version, an `integer` above the one stations run")
	expires := fs.String("expires", "", "expiry `date`: YYYY-MM-DD (valid through that day, UTC) or RFC 3339")
	fs.Var(&yaraPaths, "yara", "YARA rule `file or folder`; repeatable")
	fs.Var(&block, "block-hashes", "hash blocklist `file`; repeatable")
	fs.Var(&allow, "allow-hashes", "hash allowlist `file`; repeatable")
	fs.StringVar(&opts.ClamAV, "clamav", "", "`folder` of ClamAV .hdb, .hsb, .ndb and .ldb files")
	fs.BoolVar(&opts.Strict, "strict", false, "build nothing if any rule file is rejected or any hash line is bad")
	out := fs.String("out", "", "bundle `file` to write")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitFailed, err
	}
	switch {
	case len(rest) > 0:
		return ExitFailed, userErr(fmt.Sprintf("unexpected argument %q", rest[0]), "give rule files with --yara, lists with --block-hashes or --allow-hashes")
	case *out == "":
		return ExitFailed, userErr("rules build needs --out BUNDLE.tar", "run 'sluice rules build --help' for usage")
	}
	if opts.Expires, err = parseExpires(*expires); err != nil {
		return ExitFailed, wrapUserErr(err, "give --expires as YYYY-MM-DD or an RFC 3339 time")
	}
	opts.YARA, opts.Block, opts.Allow = yaraPaths, block, allow
	rep, err := bundle.Build(opts, *out)
	if rep != nil {
		warnBuild(stderr, rep)
	}
	if errors.Is(err, bundle.ErrRejected) {
		fmt.Fprintf(stderr, "sluice: %s; fix the files above, or leave them out\n", printable(err.Error()))
		return ExitFindings, nil
	}
	if err != nil {
		return ExitFailed, wrapUserErr(err, "check the flags and paths; run 'sluice rules build --help' for usage")
	}
	m := rep.Manifest
	c := m.Counts
	fmt.Fprintf(stdout, "built %s: bundle %s version %d\n", printable(*out), m.Name, m.Version)
	fmt.Fprintf(stdout, "  yara:   %s, %s\n", count(c.RuleFiles, "rule file"), count(c.Rules, "rule"))
	fmt.Fprintf(stdout, "  hashes: %s in %s, %s in %s\n",
		countN(c.BlockEntries, "block entry", "block entries"), count(c.BlockLists, "list"), countN(c.AllowEntries, "allow entry", "allow entries"), count(c.AllowLists, "list"))
	fmt.Fprintf(stdout, "  clamav: %s, %s\n", count(c.ClamAVFiles, "file"), count(c.ClamAVSignatures, "signature"))
	if len(rep.Rejects) > 0 || len(rep.BadLines) > 0 {
		fmt.Fprintf(stdout, "  left out: %s; %s (see warnings above)\n", count(len(rep.Rejects), "file"), count(len(rep.BadLines), "bad hash line"))
	}
	fmt.Fprintf(stdout, "  %d bytes, sha256 %s\n", rep.Size, rep.SHA256)
	if rep.RemovedSignature {
		fmt.Fprintf(stdout, "removed the old %s%s, which no longer matched\n", printable(*out), bundle.SignatureExt)
	}
	fmt.Fprintf(stdout, "next: sluice rules sign --key ADMIN.key %s\n", printable(*out))
	return ExitOK, nil
}

// warnBuild lists on stderr what Build left out or found wrong.
func warnBuild(stderr io.Writer, rep *bundle.Report) {
	for _, r := range rep.Rejects {
		kind := "rule file"
		if r.Kind == bundle.KindClamAV {
			kind = "ClamAV file"
		}
		fmt.Fprintf(stderr, "sluice: warning: %s %s rejected: %s\n", kind, printable(r.File), printable(r.Message))
	}
	perFile := map[string]int{}
	for _, b := range rep.BadLines {
		perFile[b.File]++
		switch n := perFile[b.File]; {
		case n <= maxLineWarnings:
			fmt.Fprintf(stderr, "sluice: warning: %s list %s: %s\n", b.Kind, printable(b.File), printable(b.LineError.Error()))
		case n == maxLineWarnings+1:
			fmt.Fprintf(stderr, "sluice: warning: %s: more bad lines not shown (all are counted in the summary)\n", printable(b.File))
		}
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(stderr, "sluice: warning: skipped %s: not a .hdb, .hsb, .ndb or .ldb file\n", printable(s))
	}
}

// parseExpires reads --expires: a date means the bundle is valid through
// that day, UTC.
func parseExpires(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.AddDate(0, 0, 1), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid --expires %q", s)
	}
	return t, nil
}

func runRulesSign(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("rules sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, rulesSignUsage); fs.PrintDefaults() }
	keyFile := fs.String("key", "", "admin secret key `file` (from 'sluice keys generate')")
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitFailed, err
	}
	if *keyFile == "" || len(paths) != 1 {
		return ExitFailed, userErr("rules sign needs --key ADMIN.key and one bundle", "run 'sluice rules sign --help' for usage")
	}
	key, err := transfer.LoadPrivateKey(*keyFile)
	if err != nil {
		return ExitFailed, wrapUserErr(err, "give the admin secret key from 'sluice keys generate'")
	}
	if err := bundle.Sign(paths[0], key); err != nil {
		return ExitFailed, wrapUserErr(err, "sign a bundle made by 'sluice rules build'")
	}
	info, err := bundle.Inspect(paths[0], []minisign.PublicKey{key.Public().(minisign.PublicKey)})
	if err == nil && info.Signature != bundle.SigValid {
		err = errors.New(info.SigProblem)
	}
	if err != nil {
		return ExitFailed, wrapUserErr(fmt.Errorf("signed %s, but it does not check: %w", paths[0], err), "check that nothing else writes the bundle, and sign again")
	}
	fmt.Fprintf(stdout, "signed %s: bundle %s version %d, key %s\nwrote %s%s\n",
		printable(paths[0]), info.Manifest.Name, info.Manifest.Version, keyHex(info.KeyID), printable(paths[0]), bundle.SignatureExt)
	return ExitOK, nil
}

func runRulesInspect(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("rules inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, rulesInspectUsage); fs.PrintDefaults() }
	var pubs multiFlag
	fs.Var(&pubs, "pub", "trusted admin public key `file`; repeatable")
	contents := fs.Bool("contents", false, "list every member with its kind, size and sha256")
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return ExitFailed, err
	}
	if len(paths) != 1 {
		return ExitFailed, userErr("rules inspect needs exactly one bundle", "run 'sluice rules inspect --help' for usage")
	}
	keys, err := transfer.LoadPublicKeys(pubs...)
	if err != nil {
		return ExitFailed, wrapUserErr(err, "check the --pub files")
	}
	info, err := bundle.Inspect(paths[0], keys)
	if info == nil {
		return ExitFailed, wrapUserErr(err, "check the path and try again")
	}
	code := ExitOK
	if m := info.Manifest; m != nil {
		printManifest(stdout, m, *contents)
		if len(keys) > 0 && m.Expired(time.Now()) {
			code = ExitFindings
		}
	}
	fmt.Fprintf(stdout, "size:      %d bytes\nsha256:    %s\n", info.Size, info.SHA256)
	fmt.Fprintf(stdout, "signature: %s\n", sigLine(info))
	if len(keys) > 0 && info.Signature != bundle.SigValid {
		code = ExitFindings
	}
	if err != nil {
		fmt.Fprintf(stdout, "invalid: %s\n", printable(err.Error()))
		code = ExitFindings
	}
	return code, nil
}

func printManifest(w io.Writer, m *bundle.Manifest, contents bool) {
	c := m.Counts
	expires := "never"
	if m.Expires != nil {
		expires = m.Expires.UTC().Format(time.RFC3339)
		if m.Expired(time.Now()) {
			expires += " (expired)"
		}
	}
	fmt.Fprintf(w, "bundle:    %s\nversion:   %d\nformat:    %d\ncreated:   %s\nexpires:   %s\n",
		m.Name, m.Version, m.Format, m.Created.UTC().Format(time.RFC3339), expires)
	fmt.Fprintf(w, "yara:      %s, %s\n", count(c.RuleFiles, "rule file"), count(c.Rules, "rule"))
	fmt.Fprintf(w, "block:     %s in %s\n", countN(c.BlockEntries, "entry", "entries"), count(c.BlockLists, "list"))
	fmt.Fprintf(w, "allow:     %s in %s\n", countN(c.AllowEntries, "entry", "entries"), count(c.AllowLists, "list"))
	fmt.Fprintf(w, "clamav:    %s, %s\n", count(c.ClamAVFiles, "file"), count(c.ClamAVSignatures, "signature"))
	if contents {
		for _, e := range m.Contents {
			fmt.Fprintf(w, "  %-6s %10d %s %s\n", e.Kind, e.Size, e.SHA256, e.Path)
		}
	}
}

func sigLine(info *bundle.Info) string {
	switch info.Signature {
	case bundle.SigValid:
		return "valid, key " + keyHex(info.KeyID)
	case bundle.SigUnsigned:
		return "unsigned"
	case bundle.SigUntrusted:
		return "untrusted: signed by key " + keyHex(info.KeyID) + ", not one of the --pub keys"
	case bundle.SigUnchecked:
		return "not checked: signed by key " + keyHex(info.KeyID) + "; give --pub to check it"
	default:
		return "bad: " + printable(info.SigProblem)
	}
}

func keyHex(id uint64) string { return strings.ToUpper(strconv.FormatUint(id, 16)) }
