// Command sluice-kiosk is the station's touchscreen: the fyne UI of
// package ui, shown fullscreen, as a client of sluiced's API only. It
// runs unprivileged (in the kiosk compositor, cage), never touches a
// device or a file of a drive, and refuses to run as root.
//
// It must be built with -tags x11 (make build does): fyne's GLFW driver
// has no touch input under native Wayland, and in cage Xwayland turns
// touches into pointer events. A build without the tag compiles (so that
// go vet and go test ./... need no display libraries) but only says so
// when started.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// Version is set at build time.
var Version = "dev"

// options are the command line's settings.
type options struct {
	socket   string
	lang     string
	windowed bool
	width    int
	height   int
	debug    bool
}

// errUsage marks a bad command line: exit status 2.
var errUsage = errors.New("usage")

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("sluice-kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.socket, "socket", "/run/sluice/api.sock", "sluiced's API `socket`")
	fs.StringVar(&o.lang, "lang", "", "language of the screens at start: en, es, fr or de (default: the system's)")
	fs.BoolVar(&o.windowed, "windowed", false, "show a window instead of the fullscreen kiosk (development, screenshots)")
	size := fs.String("size", "1280x800", "window size `WxH` with --windowed")
	fs.BoolVar(&o.debug, "debug", false, "log at debug level")
	if err := fs.Parse(args); err != nil {
		return o, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sluice-kiosk: unexpected argument %q\n", fs.Arg(0))
		return o, errUsage
	}
	var err error
	if o.width, o.height, err = parseSize(*size); err != nil {
		fmt.Fprintf(stderr, "sluice-kiosk: --size: %v\n", err)
		return o, errUsage
	}
	return o, nil
}

// parseSize reads "1280x800".
func parseSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(s, "x")
	if ok {
		w, err = strconv.Atoi(ws)
	}
	if ok && err == nil {
		h, err = strconv.Atoi(hs)
	}
	if !ok || err != nil || w < 320 || h < 240 || w > 7680 || h > 4320 {
		return 0, 0, fmt.Errorf("%q is not a window size like 1280x800 (320x240 to 7680x4320)", s)
	}
	return w, h, nil
}

// errRoot: the touchscreen is the one part of the station an operator
// touches, so it must hold no privilege (the design's promise 6).
var errRoot = errors.New("sluice-kiosk must not run as root\n  hint: run it as the kiosk user, a member of the API socket's group (packaging/systemd/sluice-kiosk.service)")

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	level := slog.LevelInfo
	if o.debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if os.Geteuid() == 0 {
		fmt.Fprintln(os.Stderr, "sluice-kiosk:", errRoot)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, o, log)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sluice-kiosk:", err)
		os.Exit(1)
	}
}
