//go:build x11

package main

import (
	"context"
	"log/slog"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/ui"
)

// appID names the fyne app: its preferences live under it.
const appID = "ot.sluice.kiosk"

// run shows the kiosk until the window closes or ctx ends. It must run on
// the main goroutine: GLFW wants its events there.
func run(ctx context.Context, o options, log *slog.Logger) error {
	log.Info("starting", "version", Version, "socket", o.socket, "windowed", o.windowed)
	client := api.NewClient(o.socket)
	a := app.NewWithID(appID)
	k := ui.New(a, client, ui.Options{Log: log, Language: o.lang})
	k.Start(ctx)
	w := k.Window()
	if o.windowed {
		w.Resize(fyne.NewSize(float32(o.width), float32(o.height)))
	}
	w.SetFullScreen(!o.windowed)
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	return nil
}
