//go:build !linux

package uevent

import (
	"context"
	"errors"
	"runtime"
)

// ErrUnsupported: uevents are a Linux interface.
var ErrUnsupported = errors.New("kernel uevents are not supported on " + runtime.GOOS)

// Conn is a socket subscribed to kernel uevents (Linux only).
type Conn struct{}

// Open fails: uevents exist only on Linux.
func Open() (*Conn, error) { return nil, ErrUnsupported }

// Close does nothing.
func (c *Conn) Close() error { return nil }

// Run fails: uevents exist only on Linux.
func (c *Conn) Run(ctx context.Context, handle func(Event), lost func()) error {
	return ErrUnsupported
}
