//go:build !linux

package media

import (
	"context"
	"fmt"
	"runtime"
)

func errUnsupported(what string) error {
	return fmt.Errorf("%s on %s: %w", what, runtime.GOOS, ErrNotSupported)
}

// Exposure is a drive made available to users; not on this platform.
type Exposure struct{}

// Check is not supported outside Linux.
func Check(ctx context.Context, target string, opts Options) (Result, error) {
	return Result{}, errUnsupported("check")
}

// Verified is a verified drive not yet exposed; not on this platform.
type Verified struct{}

// Verify is not supported outside Linux.
func Verify(ctx context.Context, dev string, opts Options) (*Verified, Result, error) {
	return nil, Result{}, errUnsupported("verify")
}

// Expose is not supported outside Linux.
func (v *Verified) Expose(ctx context.Context) (*Exposure, Result, error) {
	return nil, Result{}, errUnsupported("expose")
}

// Release does nothing outside Linux.
func (v *Verified) Release() error { return nil }

// Attach is not supported outside Linux.
func Attach(ctx context.Context, dev string, opts Options) (*Exposure, Result, error) {
	return nil, Result{}, errUnsupported("attach")
}

// Release does nothing outside Linux.
func (e *Exposure) Release() error { return nil }

// Points is empty outside Linux.
func (e *Exposure) Points() []string { return nil }

// CleanStale is not supported outside Linux.
func CleanStale(opts Options) ([]string, error) { return nil, errUnsupported("clean stale") }
