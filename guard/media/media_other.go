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
