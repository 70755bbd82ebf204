package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/ui/model"
)

// flakyDaemon is a daemon that is down or up, for Start's loops, which
// call it from their own goroutines. Up, its event stream sends the status
// first, as the daemon's does, then what is put on events, until the
// daemon goes down.
type flakyDaemon struct {
	*fakeClient // the requests Start's loops never make
	events      chan api.Event

	mu     sync.Mutex
	up     bool
	st     api.Status
	dials  int           // calls of Events
	broken chan struct{} // closed when the daemon goes down
}

func newFlakyDaemon() *flakyDaemon {
	return &flakyDaemon{fakeClient: &fakeClient{}, events: make(chan api.Event, 4), st: *idleStatus(), broken: make(chan struct{})}
}

func (d *flakyDaemon) Status(context.Context) (*api.Status, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.up {
		return nil, fmt.Errorf("status: %w", api.ErrUnreachable)
	}
	st := d.st
	return &st, nil
}

func (d *flakyDaemon) Events(ctx context.Context, fn func(string, []byte) error) error {
	d.mu.Lock()
	d.dials++
	up, st, broken := d.up, d.st, d.broken
	d.mu.Unlock()
	if !up {
		return fmt.Errorf("events: %w", api.ErrUnreachable)
	}
	b, _ := json.Marshal(st)
	if err := fn("status", b); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-broken:
			return errors.New("events: connection reset by peer")
		case ev := <-d.events:
			b, _ := json.Marshal(ev)
			if err := fn(ev.Type, b); err != nil {
				return err
			}
		}
	}
}

// setUp brings the daemon up with status st, or takes it down (st nil),
// breaking its event stream.
func (d *flakyDaemon) setUp(st *api.Status) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if st == nil {
		d.up = false
		close(d.broken)
		return
	}
	d.up, d.st, d.broken = true, *st, make(chan struct{})
}

func (d *flakyDaemon) dialCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dials
}

// startedKiosk is a kiosk on a headless test app, started on d with short
// delays. Its fyne.Do takes turns under a lock, as the GL driver's loop
// would; locked runs a test's look at the screen in the same turns. When
// the test ends, the loops stop and their late work is dropped.
func startedKiosk(t *testing.T, d *flakyDaemon) (k *Kiosk, locked func(func())) {
	t.Helper()
	k = New(test.NewTempApp(t), d, Options{
		Retry: 10 * time.Millisecond, Poll: 20 * time.Millisecond,
		Now: func() time.Time { return t0 }, Language: "en",
	})
	k.win.Resize(screen1280)
	var mu sync.Mutex
	stopped := false
	k.do = func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			f()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		mu.Lock()
		stopped = true
		mu.Unlock()
	})
	k.Start(ctx)
	return k, k.do
}

// waitScreen waits until the kiosk shows screen with the text.
func waitScreen(t *testing.T, k *Kiosk, locked func(func()), screen model.Screen, text string) {
	t.Helper()
	var got model.Screen
	waitFor(t, fmt.Sprintf("the %v screen showing %q", screen, text), func() (ok bool) {
		locked(func() {
			got = k.last.Screen
			ok = got == screen && hasText(k, text)
		})
		return ok
	}, func() string { return fmt.Sprintf("the screen is %v", got) })
}

// waitFor polls cond until it holds, or fails after 10s saying what was
// awaited and, from instead, what there was.
func waitFor(t *testing.T, what string, cond func() bool, instead func() string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 10s, no %s: %s", what, instead())
		}
	}
}

// redialled waits until the event stream was tried more than n times.
func redialled(t *testing.T, d *flakyDaemon, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("more than %d tries of the event stream", n), func() bool { return d.dialCount() > n },
		func() string { return fmt.Sprintf("%d tries", d.dialCount()) })
}

// The screen follows the daemon by itself: not ready while it is down
// (and the stream is retried), idle once it is up, scanning on its event,
// not ready when it goes away mid-scan, and the running scan again when
// the stream reconnects.
func TestStartReconnects(t *testing.T) {
	d := newFlakyDaemon()
	k, locked := startedKiosk(t, d)

	waitScreen(t, k, locked, model.ScreenNotReady, "Station not ready")
	redialled(t, d, 2)

	d.setUp(idleStatus())
	waitScreen(t, k, locked, model.ScreenIdle, "Insert a USB drive")

	d.events <- api.Event{Type: api.EventState, Session: new(scanning(api.Scanning))}
	waitScreen(t, k, locked, model.ScreenScanning, "1234 of 3400 files")

	dials := d.dialCount()
	d.setUp(nil)
	waitScreen(t, k, locked, model.ScreenNotReady, "Station not ready")
	redialled(t, d, dials)

	// Back up while the scan runs on: the stream's first status has it.
	st := idleStatus()
	st.State = "busy"
	s := scanning(api.Scanning)
	s.Progress.FilesDone = 3000
	st.Current = &s
	dials = d.dialCount()
	d.setUp(st)
	waitScreen(t, k, locked, model.ScreenScanning, "3000 of 3400 files")
	redialled(t, d, dials)
}
