//go:build !linux

package mount

import (
	"context"
	"fmt"
	"runtime"
)

func errUnsupported(what string) error {
	return fmt.Errorf("%s on %s: %w", what, runtime.GOOS, ErrNotSupported)
}

// Mount is not supported outside Linux.
func (m *Mounter) Mount(ctx context.Context, sess, disk string, targets []Target) ([]Mounted, error) {
	return nil, errUnsupported("mount")
}

// Release is not supported outside Linux.
func (m *Mounter) Release(sess string) error { return errUnsupported("release") }

// CleanStale is not supported outside Linux.
func (m *Mounter) CleanStale() ([]string, error) { return nil, errUnsupported("clean stale mounts") }

// SetReadOnly is not supported outside Linux.
func SetReadOnly(dev string) error { return errUnsupported("set read-only") }

// IsReadOnly is not supported outside Linux.
func IsReadOnly(dev string) (bool, error) { return false, errUnsupported("read-only flag") }

// ClearLoopReadOnly is not supported on this GOOS.
func ClearLoopReadOnly(dev string) error { return errUnsupported("clear read-only") }

// EnterPrivateNamespace is not supported outside Linux.
func EnterPrivateNamespace() error { return errUnsupported("mount namespace") }

type session struct{}
