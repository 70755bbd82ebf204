//go:build !x11

package main

import (
	"context"
	"errors"
	"log/slog"
)

// run without the x11 tag: the driver fyne would pick needs Wayland's
// headers to build, and would take no touch input under cage anyway.
func run(context.Context, options, *slog.Logger) error {
	return errors.New("built without -tags x11, so it has no display driver\n  hint: build it with make build (go build -tags x11 ./cmd/sluice-kiosk)")
}
