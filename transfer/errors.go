package transfer

import (
	"errors"
	"fmt"
	"syscall"
)

// Sentinel errors that callers branch on with errors.Is.
var (
	// ErrNoSpace means the destination is full (or over quota).
	ErrNoSpace = errors.New("no space left on destination")
	// ErrReadOnly means the destination is on a read-only filesystem.
	ErrReadOnly = errors.New("destination is read-only")
	// ErrNotWritable means the station may not write to the destination.
	ErrNotWritable = errors.New("destination is not writable")
	// ErrEmpty means Publish was called before any file was added.
	ErrEmpty = errors.New("transfer has no files")
	// ErrMismatch means the bytes read for a file do not match the size
	// or SHA-256 the scanner reported: they are not what was scanned.
	ErrMismatch = errors.New("content does not match what was scanned")
	// ErrDuplicate means a path was added twice, or as both a file and a
	// directory.
	ErrDuplicate = errors.New("path added twice")
	// ErrBadPath means a path cannot be placed in a transfer (too long or
	// too deep once made safe).
	ErrBadPath = errors.New("path cannot be placed in a transfer")
	// ErrClosed means the staging was already published or aborted.
	ErrClosed = errors.New("staging is closed")
	// ErrKeyEncrypted means a private key file is password-protected.
	ErrKeyEncrypted = errors.New("private key is password-protected")
)

// destError wraps a filesystem error met while writing the destination,
// adding the sentinel that names its cause when it is one callers care
// about: "write transfer: no space left on destination: write ...: ...".
func destError(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, ErrNoSpace), errors.Is(err, ErrReadOnly), errors.Is(err, ErrNotWritable):
		return err
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fmt.Errorf("write transfer: %w: %w", ErrNoSpace, err)
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("write transfer: %w: %w", ErrReadOnly, err)
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return fmt.Errorf("write transfer: %w: %w", ErrNotWritable, err)
	}
	return fmt.Errorf("write transfer: %w", err)
}

// isDestError reports whether err is a destination failure that makes the
// whole staging unusable (as opposed to one bad input file).
func isDestError(err error) bool {
	return errors.Is(err, ErrNoSpace) || errors.Is(err, ErrReadOnly) || errors.Is(err, ErrNotWritable)
}
