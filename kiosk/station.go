package kiosk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"syscall"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/kiosk/config"
	"github.com/sluice-ot/sluice/kiosk/device"
	"github.com/sluice-ot/sluice/kiosk/mount"
	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/transfer"
)

// mounter is what a session needs of package mount.
type mounter interface {
	Mount(ctx context.Context, session, disk string, targets []mount.Target) ([]mount.Mounted, error)
	Release(session string) error
}

// Deps are the station's parts, built by the daemon's main.
type Deps struct {
	// Scanner and Rules are the first engines, and CloseEngines (if not
	// nil) frees them; SetEngines replaces them.
	Scanner      *scanner.Scanner
	CloseEngines func()
	Mounter      mounter
	Recorder     Recorder
	Key          minisign.PrivateKey
	// Engines and Rules are written into every manifest and status.
	Engines []transfer.Component
	Rules   api.Rules
	Version string
	// Updates, when set, imports rule bundles from an update drive while
	// an admin is logged in.
	Updates Updater
	// RulesStale, when set, says at each status whether the active rules
	// are stale now.
	RulesStale func() bool
	Now        func() time.Time
	Log        *slog.Logger
}

// Station runs sessions and answers the API.
type Station struct {
	cfg    config.Config
	d      Deps
	events *broker

	mu      sync.Mutex
	engines *engineSet
	current *session
	// currentGone is set when the running session's drive was removed.
	currentGone bool
	// ended is the last session to end while its drive is still in: the
	// touchscreen keeps its result up until the drive leaves. A Removed
	// for its drive clears it and publishes a "removed" event; the next
	// session clears it too.
	ended    *api.Session
	waiting  []device.Drive
	operator string
}

// New returns a Station; Run starts it.
func New(cfg config.Config, d Deps) *Station {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	st := &Station{cfg: cfg, d: d, events: newBroker()}
	st.engines = &engineSet{scanner: d.Scanner, rules: d.Rules, close: d.CloseEngines}
	return st
}

// Sentinel causes of a session's end, for the context it runs under.
var (
	errRemoved   = errors.New("drive removed")
	errCancelled = errors.New("cancelled")
	errStopped   = errors.New("station stopping")
)

// Run takes device events until ctx ends, running one session at a time.
// On the way out it stops the running session and waits for it, so that
// its mounts are released before Run returns.
func (st *Station) Run(ctx context.Context, events <-chan device.Event) error {
	finished := make(chan struct{}, 1)
	for {
		select {
		case <-ctx.Done():
			st.stopCurrent(errStopped)
			st.waitCurrent(finished)
			return nil
		case ev, ok := <-events:
			if !ok {
				st.stopCurrent(errStopped)
				st.waitCurrent(finished)
				return errors.New("device watcher stopped")
			}
			st.handle(ctx, ev, finished)
		case <-finished:
			st.mu.Lock()
			st.ended = nil
			if st.current != nil && !st.currentGone {
				snap := st.current.snapshot()
				st.ended = &snap
			}
			st.current, st.currentGone = nil, false
			next, ok := st.popWaiting()
			st.mu.Unlock()
			if ok {
				st.start(ctx, next, finished)
			}
		}
	}
}

func (st *Station) handle(ctx context.Context, ev device.Event, finished chan struct{}) {
	st.mu.Lock()
	switch ev.Kind {
	case device.Inserted:
		if st.current == nil {
			st.mu.Unlock()
			st.start(ctx, ev.Drive, finished)
			return
		}
		// The same device name inserted again while its session ends (the
		// drive pulled out and put back at once) is a new drive: it waits.
		again := st.current.drive.Device == ev.Drive.Device && context.Cause(st.current.ctx) != nil
		if (st.current.drive.Device != ev.Drive.Device || again) && !st.isWaiting(ev.Drive.Device) {
			st.waiting = append(st.waiting, ev.Drive)
			st.d.Log.Info("drive waits its turn", "device", ev.Drive.Device, "waiting", len(st.waiting))
		}
	case device.Removed:
		st.dropWaiting(ev.Drive.Device)
		if st.current != nil && st.current.drive.Device == ev.Drive.Device {
			st.current.stop(errRemoved)
			// Its session may be ending already, past the point where
			// stop changes anything: the drive is gone all the same.
			st.currentGone = true
		}
		if st.ended != nil && st.ended.Device.Device == ev.Drive.Device {
			gone := st.ended
			st.ended = nil
			st.events.publish(api.Event{Type: api.EventRemoved, Session: gone})
		}
	}
	st.mu.Unlock()
}

func (st *Station) start(ctx context.Context, d device.Drive, finished chan struct{}) {
	s := st.newSession(ctx, d)
	st.mu.Lock()
	st.current, st.currentGone, st.ended = s, false, nil
	st.mu.Unlock()
	go func() {
		s.run()
		finished <- struct{}{}
	}()
}

func (st *Station) stopCurrent(cause error) {
	st.mu.Lock()
	if st.current != nil {
		st.current.stop(cause)
	}
	st.mu.Unlock()
}

func (st *Station) waitCurrent(finished chan struct{}) {
	st.mu.Lock()
	busy := st.current != nil
	st.mu.Unlock()
	if busy {
		<-finished
	}
}

func (st *Station) isWaiting(dev string) bool {
	for _, d := range st.waiting {
		if d.Device == dev {
			return true
		}
	}
	return false
}

func (st *Station) dropWaiting(dev string) {
	kept := st.waiting[:0]
	for _, d := range st.waiting {
		if d.Device != dev {
			kept = append(kept, d)
		}
	}
	st.waiting = kept
}

func (st *Station) popWaiting() (device.Drive, bool) {
	if len(st.waiting) == 0 {
		return device.Drive{}, false
	}
	d := st.waiting[0]
	st.waiting = st.waiting[1:]
	return d, true
}

// newSessionID is sortable by time and unique: 20261126T093000Z-1a2b3c4d.
func (st *Station) newSessionID() string {
	var b [4]byte
	rand.Read(b[:])
	return st.d.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// Status implements api.Station.
func (st *Station) Status(ctx context.Context) api.Status {
	s := api.Status{StationID: st.cfg.StationID, Version: st.d.Version, State: "idle", OperatorPrompt: st.cfg.OperatorPrompt}
	st.mu.Lock()
	s.Rules = st.engines.rules
	if st.current != nil {
		cur := st.current.snapshot()
		s.Current, s.State = &cur, "busy"
	}
	if st.ended != nil {
		e := *st.ended
		s.Ended = &e
	}
	s.Waiting = len(st.waiting)
	s.Operator = st.operator
	st.mu.Unlock()
	if st.d.RulesStale != nil {
		s.Rules.Stale = st.d.RulesStale()
	}
	if !s.Rules.Created.IsZero() {
		s.Rules.AgeDays = int(st.d.Now().Sub(s.Rules.Created).Hours() / 24)
	}
	s.Destination = destinationStatus(st.cfg.Destination)
	return s
}

// destinationStatus reports the transfer share's free space, and whether
// it can take a transfer at all.
func destinationStatus(path string) api.Destination {
	d := api.Destination{Path: path}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(path, &fs); err != nil {
		d.Problem = err.Error()
		return d
	}
	d.FreeBytes = int64(fs.Bavail) * fs.Bsize
	d.TotalBytes = int64(fs.Blocks) * fs.Bsize
	if err := syscall.Access(path, 2 /* W_OK */); err != nil {
		d.Problem = "not writable: " + err.Error()
		return d
	}
	d.OK = d.FreeBytes > 0
	if !d.OK {
		d.Problem = "full"
	}
	return d
}

// Sessions implements api.Station.
func (st *Station) Sessions(ctx context.Context, limit int) ([]api.Session, error) {
	return st.d.Recorder.Sessions(ctx, limit)
}

// Session implements api.Station.
func (st *Station) Session(ctx context.Context, id string) (*api.SessionDetail, error) {
	return st.d.Recorder.Session(ctx, id)
}

// Cancel implements api.Station.
func (st *Station) Cancel(id string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.current == nil || st.current.id != id {
		return fmt.Errorf("%w: %s", api.ErrNotRunning, id)
	}
	st.current.stop(errCancelled)
	return nil
}

// SetOperator implements api.Station: the next session belongs to name.
func (st *Station) SetOperator(name string) error {
	name = strings.TrimSpace(name)
	if len(name) > 64 || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("%w: operator must be at most 64 printable characters", api.ErrInvalid)
	}
	st.mu.Lock()
	st.operator = name
	st.mu.Unlock()
	return nil
}

// Subscribe implements api.Station.
func (st *Station) Subscribe() (<-chan api.Event, func()) { return st.events.subscribe() }
