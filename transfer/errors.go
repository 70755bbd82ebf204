package transfer

import (
	"errors"
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

// writeError is a failure to write the destination: "write transfer:
// no space left on destination: write ...: no space left on device".
type writeError struct {
	cause error // ErrNoSpace, ErrReadOnly, ErrNotWritable or nil
	err   error
}

func (e *writeError) Error() string {
	if e.cause != nil {
		return "write transfer: " + e.cause.Error() + ": " + e.err.Error()
	}
	return "write transfer: " + e.err.Error()
}

func (e *writeError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.cause, e.err}
	}
	return []error{e.err}
}

// destError wraps a filesystem error met while writing the destination,
// naming its cause with the sentinel callers test for when it is one.
func destError(err error) error {
	if err == nil || isDestError(err) {
		return err
	}
	var cause error
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		cause = ErrNoSpace
	case errors.Is(err, syscall.EROFS):
		cause = ErrReadOnly
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		cause = ErrNotWritable
	}
	return &writeError{cause: cause, err: err}
}

// isDestError reports whether err is a failure of the destination, which
// makes the whole staging unusable (as opposed to one bad input file).
func isDestError(err error) bool {
	var we *writeError
	return errors.As(err, &we)
}
