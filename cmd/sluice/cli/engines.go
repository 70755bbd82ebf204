package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sluice-ot/sluice/scanner/engines"
)

// maxLineWarnings is how many bad lines of one hash list are named.
const maxLineWarnings = 20

// loadEngines loads what the flags name, and warns on stderr about every
// rule file rejected and the first bad lines of each hash list.
func loadEngines(f *scanFlags, stderr io.Writer) (*engines.Set, error) {
	set, err := engines.Load(engines.Options{
		Rules: f.rules, WithDefaults: f.withDefaults,
		BlockHashes: f.block, AllowHashes: f.allow,
		HashCache: hashCacheDir(f.spool), Timeout: f.timeout,
	})
	switch {
	case errors.Is(err, engines.ErrRules):
		return nil, wrapUserErr(err, "check the --rules paths, or leave out --rules to use the built-in rules")
	case errors.Is(err, engines.ErrHashLists):
		return nil, wrapUserErr(err, "check the hash list file")
	case err != nil:
		return nil, err
	}
	for _, r := range set.Rules.Rejects() {
		fmt.Fprintf(stderr, "sluice: warning: rule file %s rejected: %s\n", printable(r.File), printable(r.Message))
	}
	perFile := map[string]int{}
	for _, b := range set.HashRejects {
		perFile[b.File]++
		switch n := perFile[b.File]; {
		case n <= maxLineWarnings:
			fmt.Fprintf(stderr, "sluice: warning: %s:%d: %s\n", printable(b.File), b.Line, printable(b.Reason))
		case n == maxLineWarnings+1:
			fmt.Fprintf(stderr, "sluice: warning: %s: more bad lines not shown (all are counted in the summary)\n", printable(b.File))
		}
	}
	return set, nil
}

// hashCacheDir is where compiled hash tables are kept between runs.
func hashCacheDir(spool string) string {
	if d, err := os.UserCacheDir(); err == nil {
		dir := filepath.Join(d, "sluice", "hashdb")
		if os.MkdirAll(dir, 0o700) == nil {
			return dir
		}
	}
	return spool
}
