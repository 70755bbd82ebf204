package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sluice-ot/sluice/kiosk/api"
)

// exitRefused is the status of a rules import or rollback the station
// refused: the bundle or version is not acceptable, whatever the reason.
const exitRefused = 1

const rulesListUsage = `usage: sluice rules list [--socket PATH] [--json]

Lists the station's rule bundles, newest first: the active one and those
kept for a rollback, and whether the active rules are stale.

flags:
`

const rulesImportUsage = `usage: sluice rules import [--socket PATH] [--json] BUNDLE.tar

Asks the station daemon to import and activate BUNDLE.tar, with
BUNDLE.tar.minisig beside it. The daemon reads the file itself, so it must
be on the station. Sessions already running keep their rules; the next
session uses the new ones. Run as root on the station.

Exit status: 0 installed, or that version is already the active one;
1 refused (signature, version, expiry, rules or hash lists; the reason is
printed); 2 could not run (no daemon, not an admin, no such file).

flags:
`

const rulesRollbackUsage = `usage: sluice rules rollback [--socket PATH] [--json] --version N

Activates version N, one of the bundles the station keeps (see 'sluice
rules list'), after checking it again. This is the only way back to an
older version, and it is audited. Run as root on the station.

Exit status: 0 rolled back, or N is already active; 1 refused (not kept,
or it no longer verifies); 2 could not run.

flags:
`

func runRulesList(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var asJSON bool
	c, rest, err := clientFlags("rules list", rulesListUsage, args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the list as JSON")
	})
	if err != nil {
		return ExitFailed, err
	}
	if len(rest) > 0 {
		return ExitFailed, userErr("rules list takes no arguments", "run 'sluice rules list --help'")
	}
	l, err := c.RulesList(ctx)
	if err != nil {
		return ExitFailed, clientErr(err)
	}
	if asJSON {
		return ExitOK, json.NewEncoder(stdout).Encode(l)
	}
	if len(l.Bundles) == 0 {
		fmt.Fprintln(stdout, "no rule bundle installed; the station uses the rules of its configuration")
	}
	for _, b := range l.Bundles {
		mark := " "
		if b.Active {
			mark = "*"
		}
		fmt.Fprintf(stdout, "%s %s\n", mark, describeBundle(&b))
	}
	if l.Stale {
		fmt.Fprintf(stdout, "stale: %s\n", l.StaleReason)
	}
	return ExitOK, nil
}

func runRulesImport(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var asJSON bool
	c, rest, err := clientFlags("rules import", rulesImportUsage, args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	})
	if err != nil {
		return ExitFailed, err
	}
	if len(rest) != 1 {
		return ExitFailed, userErr("rules import takes one bundle", "run 'sluice rules import --help'")
	}
	path, err := filepath.Abs(rest[0])
	if err != nil {
		return ExitFailed, err
	}
	if _, err := os.Stat(path); err != nil {
		return ExitFailed, wrapUserErr(err, "give the path of a bundle on the station")
	}
	b, err := c.RulesImport(ctx, path)
	result := "installed"
	switch {
	case errors.Is(err, api.ErrRulesInstalled):
		result = "already-installed"
	case errors.Is(err, api.ErrRulesDowngrade), errors.Is(err, api.ErrRulesRefused):
		return refused(stdout, stderr, asJSON, err)
	case err != nil:
		return ExitFailed, stationErr(err)
	}
	var unchanged string
	if err != nil {
		unchanged = "already installed: " + printable(err.Error())
	}
	return ruleChange(stdout, asJSON, result, b, "installed", unchanged)
}

func runRulesRollback(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var asJSON bool
	var version int
	c, rest, err := clientFlags("rules rollback", rulesRollbackUsage, args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
		fs.IntVar(&version, "version", 0, "the kept `version` to activate")
	})
	if err != nil {
		return ExitFailed, err
	}
	if len(rest) > 0 || version < 1 {
		return ExitFailed, userErr("rules rollback needs --version N and no arguments", "run 'sluice rules list' for the kept versions")
	}
	b, err := c.RulesRollback(ctx, version)
	result := "rolled-back"
	switch {
	case errors.Is(err, api.ErrRulesInstalled):
		result = "already-active"
	case errors.Is(err, api.ErrRulesNotKept), errors.Is(err, api.ErrRulesRefused):
		return refused(stdout, stderr, asJSON, err)
	case err != nil:
		return ExitFailed, stationErr(err)
	}
	return ruleChange(stdout, asJSON, result, b, "rolled back to", fmt.Sprintf("version %d is already active", version))
}

// ruleChange reports an import or a rollback that succeeded: b is the
// bundle now active, or nil when it already was (then unchanged is said).
func ruleChange(stdout io.Writer, asJSON bool, result string, b *api.RuleBundle, done, unchanged string) (int, error) {
	if asJSON {
		return ExitOK, json.NewEncoder(stdout).Encode(struct {
			Result string          `json:"result"`
			Bundle *api.RuleBundle `json:"bundle,omitempty"`
		}{result, b})
	}
	if b == nil {
		fmt.Fprintln(stdout, unchanged)
		return ExitOK, nil
	}
	fmt.Fprintf(stdout, "%s %s\nthe next session uses these rules\n", done, describeBundle(b))
	return ExitOK, nil
}

// refused reports a refusal with its reason and returns exitRefused.
func refused(stdout, stderr io.Writer, asJSON bool, err error) (int, error) {
	if asJSON {
		return exitRefused, json.NewEncoder(stdout).Encode(map[string]string{"result": "refused", "reason": err.Error()})
	}
	fmt.Fprintf(stderr, "sluice: refused: %s\n", printable(err.Error()))
	return exitRefused, nil
}

// stationErr puts the station's answers in words an admin can act on.
func stationErr(err error) error {
	switch {
	case errors.Is(err, api.ErrAdminRequired):
		return wrapUserErr(errors.New("not an admin to the station"), "run as root on the station")
	case errors.Is(err, api.ErrInvalid):
		return wrapUserErr(err, "the daemon must be able to read the bundle and its .minisig")
	}
	return clientErr(err)
}

func describeBundle(b *api.RuleBundle) string {
	s := fmt.Sprintf("%s version %d, created %s, %s, %d block and %d allow hashes",
		b.Name, b.Version, b.Created.UTC().Format(time.DateOnly), count(b.Rules, "rule"), b.BlockEntries, b.AllowEntries)
	if b.Expires != nil {
		s += ", expires " + b.Expires.UTC().Format(time.DateOnly)
	}
	return printable(s)
}
