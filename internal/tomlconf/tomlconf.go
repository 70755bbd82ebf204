// Package tomlconf holds what the daemons' TOML configurations share
// (sluiced's kiosk/config and sluice-guard's guard): decoding over the
// defaults with every unknown setting an error, errors that name the file
// and the setting, and durations written as strings.
package tomlconf

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Error is a configuration problem: the file, the setting when one is to
// blame, and what is wrong with it.
type Error struct {
	File    string
	Setting string
	Problem string
	Err     error // the cause, when reading the file failed
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	if e.Setting == "" {
		return fmt.Sprintf("config %s: %s", e.File, e.Problem)
	}
	return fmt.Sprintf("config %s: %s: %s", e.File, e.Setting, e.Problem)
}

// Decode reads the TOML file at path over v, which holds the defaults.
// A syntax error names its line, a missing file points at example, and
// unknown settings are errors: a misspelt limit or allowlist must not
// silently fall back to its default.
func Decode(path, example string, v any) error {
	md, err := toml.DecodeFile(path, v)
	if err != nil {
		var pe toml.ParseError
		switch {
		case errors.As(err, &pe):
			return &Error{File: path, Problem: fmt.Sprintf("line %d: %s", pe.Position.Line, pe.Message)}
		case errors.Is(err, os.ErrNotExist):
			return &Error{File: path, Problem: "no such file (see " + example + " for an example)", Err: err}
		}
		return &Error{File: path, Problem: err.Error(), Err: err}
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return &Error{File: path, Setting: keys[0], Problem: "unknown setting (" + strings.Join(keys, ", ") + ")"}
	}
	return nil
}

// Duration is a time.Duration written as a string in TOML ("90s", "720h").
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration (like 90s or 720h): %q", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
