// Package cliflag holds what the command-line tools (sluice, sluice-guard)
// share: flags that may follow the positional arguments, repeatable
// string flags, and printing untrusted text safely.
package cliflag

import (
	"flag"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable makes untrusted text (file names and labels from a drive,
// archive member names, transfer ids) safe to print on a terminal:
// control characters, bidi overrides and invalid UTF-8 are escaped, and
// such text is quoted. Other text is returned as it is.
func Printable(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || (r != ' ' && !unicode.IsGraphic(r)) {
			return strconv.QuoteToGraphic(s)
		}
	}
	return s
}

// Strings collects a repeatable string flag.
type Strings []string

func (m *Strings) String() string     { return strings.Join(*m, ",") }
func (m *Strings) Set(v string) error { *m = append(*m, v); return nil }

// ParseInterleaved parses flags that may come before, between or after
// the positional arguments ("sluice scan DIR --json"), and returns the
// positional ones; "--" ends the flags. Errors are fs.Parse's.
func ParseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
