//go:build !linux

package device

import (
	"context"
	"fmt"
	"runtime"
)

// Watcher reports drives as they come and go. Only Linux has one.
type Watcher struct{}

// NewWatcher fails: device watching needs Linux uevents.
func NewWatcher(cfg Config) (*Watcher, error) {
	return nil, fmt.Errorf("watch devices: not supported on %s", runtime.GOOS)
}

// Source is empty off Linux.
func (w *Watcher) Source() string { return "" }

// Run fails: device watching needs Linux uevents.
func (w *Watcher) Run(ctx context.Context, out chan<- Event) error {
	return fmt.Errorf("watch devices: not supported on %s", runtime.GOOS)
}
