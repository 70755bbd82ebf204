package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/transfer"
)

// wait scales a timeout for the race detector, which slows the daemon.
func wait(d time.Duration) time.Duration {
	if raceEnabled {
		return 3 * d
	}
	return d
}

// station is one test's station: a work directory with the daemon's
// configuration, state and destination, the daemon process while it
// runs, the events it sent and the drives the test attached.
type station struct {
	t      *testing.T
	dir    string
	config string
	state  string
	dest   string
	socket string
	pub    minisign.PublicKey
	client *api.Client
	events *eventLog
	drives []*drive
	starts int
	proc   *daemonProc // nil while stopped
}

// daemonProc is one run of sluiced and the goroutine following its events.
type daemonProc struct {
	cmd        *exec.Cmd
	log        string
	exited     chan struct{}
	waitErr    error // set before exited is closed
	stopFollow context.CancelFunc
	followDone chan struct{}
}

// newStation writes a configuration (station key, hash blocklist, socket
// in the work directory) and registers the cleanup that detaches the
// drives, stops the daemon and then checks that nothing was left behind.
func newStation(t *testing.T) *station {
	t.Helper()
	requireStation(t)
	dir, err := os.MkdirTemp("", workPrefix)
	if err != nil {
		t.Fatal(err)
	}
	s := &station{t: t, dir: dir, config: filepath.Join(dir, "sluiced.toml"),
		state: filepath.Join(dir, "state"), dest: filepath.Join(dir, "transfers"),
		socket: filepath.Join(dir, "run", "api.sock"), events: newEventLog()}
	t.Cleanup(s.cleanup)
	if err := transfer.GenerateKeyFiles(filepath.Join(dir, "station")); err != nil {
		t.Fatal(err)
	}
	keys, err := transfer.LoadPublicKeys(filepath.Join(dir, "station.pub"))
	if err != nil {
		t.Fatal(err)
	}
	s.pub = keys[0]
	blocklist := filepath.Join(dir, "blocklist.txt")
	if err := os.WriteFile(blocklist, corpus.Blocklist("leaked plc tool", corpus.LeakedTool()), 0o644); err != nil {
		t.Fatal(err)
	}
	// accept_loop_devices stays false: see the package comment.
	cfg := fmt.Sprintf(`station_id = "e2e-station"
state_dir = %q
destination = %q
station_key = %q
accept_loop_devices = false
transfer_expiry = "720h"

[api]
socket = %q
group = ""

[scan]
block_hashes = [%q]
`, s.state, s.dest, filepath.Join(dir, "station.key"), s.socket, blocklist)
	if err := os.WriteFile(s.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s.client = api.NewClient(s.socket)
	return s
}

// start runs sluiced and returns once it answers on its socket, watches
// devices through udev and streams its events to s.events.
func (s *station) start() {
	t := s.t
	t.Helper()
	if s.proc != nil {
		t.Fatal("start: sluiced already runs")
	}
	s.starts++
	p := &daemonProc{log: filepath.Join(s.dir, fmt.Sprintf("sluiced-%d.log", s.starts)), exited: make(chan struct{})}
	logf, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	p.cmd = exec.Command(bins.sluiced, "--config", s.config)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start sluiced: %v", err)
	}
	go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
	s.proc = p

	deadline := time.Now().Add(wait(30 * time.Second))
	for !s.ready() {
		select {
		case <-p.exited:
			s.proc = nil
			t.Fatalf("sluiced exited at start: %v\n%s", p.waitErr, s.logTail(p.log))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("sluiced did not become ready\n%s", s.logTail(p.log))
		}
	}
	if log := s.readLog(p.log); !strings.Contains(log, "source=udev") {
		t.Fatalf("sluiced does not watch devices through udev:\n%s", log)
	}
	s.follow(p)
	// The device watcher starts listening just after "station ready" is
	// logged, and says nothing when it does. A drive attached in that gap
	// is still found by its initial scan; only partitions that partx adds
	// after the scan would be missed, so give the watcher a moment.
	time.Sleep(300 * time.Millisecond)
}

// ready reports whether the daemon answers and has logged that it is ready.
func (s *station) ready() bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := s.client.Status(ctx); err != nil {
		return false
	}
	return strings.Contains(s.readLog(s.proc.log), "station ready")
}

// follow streams the daemon's events into s.events until it stops, and
// returns once the stream is open, so that no later event is missed.
func (s *station) follow(p *daemonProc) {
	ctx, cancel := context.WithCancel(context.Background())
	p.stopFollow, p.followDone = cancel, make(chan struct{})
	open := make(chan struct{})
	var once sync.Once
	go func() {
		defer close(p.followDone)
		err := s.client.Events(ctx, func(typ string, data []byte) error {
			if typ == "status" {
				once.Do(func() { close(open) })
				return nil
			}
			var ev api.Event
			if err := json.Unmarshal(data, &ev); err != nil || ev.Session == nil {
				return fmt.Errorf("event %s: %q: %v", typ, data, err)
			}
			s.events.add(event{typ: typ, at: time.Now(), s: *ev.Session})
			return nil
		})
		if err != nil && ctx.Err() == nil && !errors.Is(err, api.ErrUnreachable) {
			s.events.add(event{typ: "stream-error", at: time.Now(), s: api.Session{Detail: err.Error()}})
		}
	}()
	select {
	case <-open:
	case <-time.After(wait(10 * time.Second)):
		s.t.Fatal("the event stream did not open")
	}
}

// stop ends the daemon as systemd would: SIGTERM, then SIGKILL after a
// timeout (an error: the daemon must stop by itself). It must exit 0.
func (s *station) stop() {
	s.t.Helper()
	p := s.proc
	if p == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		if p.waitErr != nil {
			s.t.Errorf("sluiced exited with %v after SIGTERM\n%s", p.waitErr, s.logTail(p.log))
		}
	case <-time.After(wait(30 * time.Second)):
		s.t.Errorf("sluiced did not stop within %v of SIGTERM; killing it\n%s", wait(30*time.Second), s.logTail(p.log))
		p.cmd.Process.Kill()
		<-p.exited
	}
	s.endFollow(p)
}

// kill9 kills the daemon with SIGKILL, as a crash or the OOM killer would.
func (s *station) kill9() {
	s.t.Helper()
	p := s.proc
	p.cmd.Process.Kill()
	<-p.exited
	s.endFollow(p)
}

func (s *station) endFollow(p *daemonProc) {
	p.stopFollow()
	<-p.followDone
	s.proc = nil
}

// pid is the running daemon's pid (sluiced re-executes itself in its own
// mount namespace with exec, which keeps the pid).
func (s *station) pid() int { return s.proc.cmd.Process.Pid }

func (s *station) readLog(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func (s *station) logTail(path string) string {
	log := s.readLog(path)
	if len(log) > 6000 {
		log = "…" + log[len(log)-6000:]
	}
	return "--- " + filepath.Base(path) + "\n" + log
}

// cleanup runs after the test: it detaches every drive, stops the daemon
// and checks that no mount, FUSE helper, loop device, staging folder or
// spool file is left. The work directory is kept when something failed.
func (s *station) cleanup() {
	t := s.t
	for _, d := range s.drives {
		d.detach(t)
	}
	s.stop()
	if leaks := s.awaitNoLeaks(wait(20 * time.Second)); len(leaks) > 0 {
		t.Errorf("left behind after the test:\n  %s", strings.Join(leaks, "\n  "))
	}
	for _, d := range s.drives {
		d.clearReadOnly()
	}
	for i := 1; i <= s.starts; i++ {
		// Under -race the daemon is built with the race detector, which
		// reports on stderr.
		if log := filepath.Join(s.dir, fmt.Sprintf("sluiced-%d.log", i)); strings.Contains(s.readLog(log), "WARNING: DATA RACE") {
			t.Errorf("the race detector reported a data race in sluiced (%s)", filepath.Base(log))
		}
	}
	if t.Failed() {
		for i := 1; i <= s.starts; i++ {
			t.Log(s.logTail(filepath.Join(s.dir, fmt.Sprintf("sluiced-%d.log", i))))
		}
		// Keep the logs, state and transfers; the images can be rebuilt.
		imgs, _ := filepath.Glob(filepath.Join(s.dir, imagePrefix+"*"))
		for _, img := range imgs {
			os.Remove(img)
		}
		t.Logf("work directory kept: %s", s.dir)
		return
	}
	os.RemoveAll(s.dir)
}

// event is one event of the daemon's stream, with the time it arrived.
type event struct {
	typ string // "state", "progress", or "stream-error"
	at  time.Time
	s   api.Session
}

// eventLog keeps every event of a station, across daemon restarts.
type eventLog struct {
	mu      sync.Mutex
	evs     []event
	changed chan struct{} // closed and replaced on every add
}

func newEventLog() *eventLog { return &eventLog{changed: make(chan struct{})} }

func (l *eventLog) add(e event) {
	l.mu.Lock()
	l.evs = append(l.evs, e)
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// mark is the position of the next event, for await.
func (l *eventLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.evs)
}

// await waits for the first event from *from on that satisfies match and
// moves *from past it. It fails the test after timeout, saying what it
// waited for. match runs without the lock held, so it may fail the test.
func (l *eventLog) await(t *testing.T, from *int, timeout time.Duration, what string, match func(event) bool) event {
	t.Helper()
	deadline := time.After(wait(timeout))
	for {
		l.mu.Lock()
		evs, changed := l.evs[*from:], l.changed
		l.mu.Unlock()
		for _, e := range evs {
			*from++
			if e.typ == "stream-error" {
				t.Fatalf("waiting for %s: the event stream failed: %s", what, e.s.Detail)
			}
			if match(e) {
				return e
			}
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("waiting for %s: nothing after %v", what, wait(timeout))
		}
	}
}

// awaitSession waits for the session the daemon starts for dev and
// returns its id.
func (s *station) awaitSession(dev string, from *int) string {
	s.t.Helper()
	e := s.events.await(s.t, from, 30*time.Second, "a session for "+dev, func(e event) bool {
		return e.typ == "state" && e.s.Device.Device == dev
	})
	return e.s.ID
}

// awaitState waits for session id to reach state (or, with api.Final, any
// final state) and returns that event.
func (s *station) awaitState(id string, state api.State, from *int, timeout time.Duration) event {
	s.t.Helper()
	return s.events.await(s.t, from, timeout, fmt.Sprintf("session %s to be %s", id, state), func(e event) bool {
		if e.typ != "state" || e.s.ID != id {
			return false
		}
		if state == final {
			return e.s.State.Final()
		}
		if e.s.State.Final() && e.s.State != state {
			s.t.Fatalf("session %s ended %s (%s: %s) while waiting for %s", id, e.s.State, e.s.Reason, e.s.Detail, state)
		}
		return e.s.State == state
	})
}

// final stands for any final state in awaitState.
const final api.State = "(final)"

// awaitProgress waits for the first progress event of session id with at
// least minFiles files done (0: the first progress event, which may come
// while the scan still lists the drive).
func (s *station) awaitProgress(id string, from *int, minFiles int) event {
	s.t.Helper()
	return s.events.await(s.t, from, 60*time.Second, "progress of session "+id, func(e event) bool {
		if e.s.ID == id && e.s.State.Final() {
			s.t.Fatalf("session %s ended %s before any progress", id, e.s.State)
		}
		return e.typ == "progress" && e.s.ID == id && e.s.Progress.FilesDone >= minFiles
	})
}

// runSession attaches img and waits for its session to end.
func (s *station) runSession(img *image) (*drive, api.Session) {
	s.t.Helper()
	from := s.events.mark()
	d := s.attach(img)
	id := s.awaitSession(d.dev, &from)
	end := s.awaitState(id, final, &from, 120*time.Second)
	return d, end.s
}
