// Package clitool holds what the command-line tools (sluice, sluice-guard)
// share: errors the user can act on, reported as one line; flags that may
// follow the positional arguments; repeatable string flags; and printing
// untrusted text safely.
package clitool

import (
	"errors"
	"flag"
	"fmt"
	"io"
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

// UserError is a failure the user can act on: what is wrong and what to
// do about it.
type UserError struct {
	Msg, Hint string
	Err       error
}

func (e *UserError) Error() string { return e.Msg }
func (e *UserError) Unwrap() error { return e.Err }

// UserErr returns a UserError.
func UserErr(msg, hint string) error { return &UserError{Msg: msg, Hint: hint} }

// WrapUserErr gives err a hint, keeping it for errors.Is.
func WrapUserErr(err error, hint string) error {
	return &UserError{Msg: err.Error(), Hint: hint, Err: err}
}

// ReportError prints err as one line, "prog: what; hint", with untrusted
// text escaped.
func ReportError(w io.Writer, prog string, err error) {
	var ue *UserError
	if errors.As(err, &ue) && ue.Hint != "" {
		fmt.Fprintf(w, "%s: %s; %s\n", prog, Printable(ue.Msg), ue.Hint)
		return
	}
	fmt.Fprintf(w, "%s: %s\n", prog, Printable(err.Error()))
}
