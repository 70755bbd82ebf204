package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/kiosk/api"
)

// TestRecordEvents is a generator, like an -update flag, not a check: with
// SLUICE_RECORD_EVENTS=DIR it records what the real daemon sends the
// touchscreen, byte for byte, for ui/model's replay tests
// (ui/model/testdata/recorded/README.md). Each NAME.sse is one
// connection to GET /v1/events, from its first status to the drive's
// removal; NAME.session.json is GET /v1/sessions/ID of a session that
// ended done, which the touchscreen fetches for its files. The work
// directory's path is the only thing changed, to $WORK.
//
//	clean     clean files only
//	mixed     clean files and files held back, none infected
//	threats   the demo drive: EICAR, a blocklisted file, files held back
//	refused   a drive that is also a keyboard (BadUSB)
//	yanked    pulled out while the station scans it
//	away-1    the stream while the daemon is stopped (SIGTERM) mid-scan
//	away-2    the stream of the daemon started again
func TestRecordEvents(t *testing.T) {
	dir := os.Getenv("SLUICE_RECORD_EVENTS")
	if dir == "" {
		t.Skip("SLUICE_RECORD_EVENTS is not set: this test only records the daemon's event streams " +
			"for ui/model's replay tests (a generator, like -update); it checks nothing else")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := newStation(t)
	r := &recorder{s: s, dir: dir}
	demo := corpus.DemoDrive()
	var clean, held []corpus.File
	for _, f := range demo {
		switch f.Verdict {
		case "clean":
			clean = append(clean, f)
		case "blocked":
			held = append(held, f)
		}
	}
	small := func(name string, files []corpus.File) *image {
		return s.newImage(name, true, volume{fs: "ext4", label: strings.ToUpper(name), mib: 16, files: files})
	}
	// Big enough that the station still scans it when the test acts.
	busy := func(name string) *image {
		return s.newImage(name, true, volume{fs: "ext4", label: strings.ToUpper(name), mib: 64, files: logs(10000)})
	}
	images := map[string]*image{
		"clean":   small("clean", clean),
		"mixed":   small("mixed", append(append([]corpus.File(nil), clean...), held...)),
		"threats": small("threats", demo),
		"refused": small("refused", clean),
		"yanked":  busy("yanked"),
		"away":    busy("away"),
	}
	installRefusedRule(t, images["refused"])
	s.start()

	r.session("clean", images["clean"], api.Done, "", nil)
	r.session("mixed", images["mixed"], api.Done, "", nil)
	r.session("threats", images["threats"], api.Done, "", nil)
	r.session("refused", images["refused"], api.Failed, api.ReasonRefused, nil)
	r.session("yanked", images["yanked"], api.Aborted, api.ReasonRemoved, func(st *sseStream, d *drive, id string) {
		st.await(t, "progress of "+id, func(e sseEvent) bool { return e.typ == api.EventProgress && e.session().ID == id })
		yank(t, d)
	})
	r.away(images["away"])
}

// installRefusedRule gives img, and no other image, the interfaces of a
// stick that is also a keyboard (storage, then HID boot keyboard), as
// usb_id would describe one. The file sorts after the suite's rule
// (99-sluiced-e2e.rules), which sets storage only, so its value wins.
func installRefusedRule(t *testing.T, img *image) {
	t.Helper()
	const path = "/etc/udev/rules.d/99-sluiced-refused-e2e.rules"
	rule := `SUBSYSTEM=="block", KERNEL=="loop[0-9]*", ENV{DEVTYPE}=="disk", ` +
		`ATTR{loop/backing_file}=="*/` + workPrefix + `*/` + filepath.Base(img.path) + `", ` +
		`ENV{ID_USB_INTERFACES}=":080650:030101:"` + "\n"
	stop, err := testenv.UdevRule(path, rule)
	t.Cleanup(stop)
	if err != nil {
		t.Fatalf("udev rule for the refused drive: %v", err)
	}
}

// recorder writes the recordings of one station.
type recorder struct {
	s   *station
	dir string
}

// session records one drive's session from insertion to removal. during,
// if not nil, runs once the session has started (the yank); the session
// must end in state with reason.
func (r *recorder) session(name string, img *image, state api.State, reason string, during func(*sseStream, *drive, string)) {
	s, t := r.s, r.s.t
	t.Helper()
	st := s.openEvents()
	d := s.attach(img)
	id := st.awaitSession(t, d)
	if during != nil {
		during(st, d, id)
	}
	end := st.await(t, "the end of "+id, func(e sseEvent) bool {
		return e.typ == api.EventState && e.session().ID == id && e.session().State.Final()
	}).session()
	if end.State != state || end.Reason != reason {
		t.Fatalf("%s: session %s ended %s (%s: %s), want %s (%s)", name, id, end.State, end.Reason, end.Detail, state, reason)
	}
	if end.State == api.Done {
		r.write(name+".session.json", s.get("/v1/sessions/"+id))
	}
	// The drive leaves, as the operator takes it: the daemon says so when
	// it kept the ended session for its drive (not for a drive pulled out
	// during its session).
	kept := s.awaitEnded(id)
	d.detach(t)
	if kept {
		st.await(t, "the removal of "+id, func(e sseEvent) bool {
			return e.typ == api.EventRemoved && e.session().ID == id
		})
	}
	d.awaitGone(t)
	s.awaitIdle()
	r.write(name+".sse", st.close())
}

// awaitSession waits for the session of drive d and returns its id.
func (st *sseStream) awaitSession(t *testing.T, d *drive) string {
	t.Helper()
	return st.await(t, "a session for "+d.dev, func(e sseEvent) bool {
		return e.typ == api.EventState && e.session().Device.Device == d.dev
	}).session().ID
}

// away records the daemon going away mid-scan and coming back: away-1 is
// the stream until the daemon, stopped, closes it; away-2 the stream of
// the daemon started again, with the drive pulled out while it was down.
func (r *recorder) away(img *image) {
	s, t := r.s, r.s.t
	t.Helper()
	st := s.openEvents()
	d := s.attach(img)
	id := st.awaitSession(t, d)
	st.await(t, "progress of "+id, func(e sseEvent) bool {
		return e.typ == api.EventProgress && e.session().ID == id && e.session().Progress.FilesDone > 0
	})
	s.stop()
	raw, err := st.ended(wait(30 * time.Second))
	if err != nil {
		t.Logf("away-1: the stream ended with %v", err)
	}
	last := st.last()
	if end := last.session(); last.typ != api.EventState || end.ID != id || end.State != api.Aborted || end.Reason != api.ReasonStopped {
		t.Fatalf("away-1: the stream's last event is %s %s (%s), want state %s aborted (stopped)", last.typ, end.State, end.Reason, id)
	}
	r.write("away-1.sse", raw)
	d.detach(t)
	d.awaitGone(t)
	s.start()
	st = s.openEvents()
	r.write("away-2.sse", st.close())
}

// write stores a recording, with the work directory's path replaced.
func (r *recorder) write(name string, b []byte) {
	r.s.t.Helper()
	b = bytes.ReplaceAll(b, []byte(r.s.dir), []byte("$WORK"))
	if err := os.WriteFile(filepath.Join(r.dir, name), b, 0o644); err != nil {
		r.s.t.Fatal(err)
	}
	if strings.HasSuffix(name, ".sse") {
		r.s.t.Logf("recorded %s: %d events, %d bytes", name, bytes.Count(append([]byte("\n"), b...), []byte("\nevent: ")), len(b))
	}
}

// rawClient is an HTTP client of the daemon's socket that hands back the
// bytes as sent, where api.Client decodes them.
func (s *station) rawClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", s.socket)
	}}}
}

// get returns the body of a GET of path, which must succeed.
func (s *station) get(path string) []byte {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://sluice"+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	resp, err := s.rawClient().Do(req)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		s.t.Fatalf("GET %s: %s %v: %s", path, resp.Status, err, b)
	}
	return b
}

// awaitEnded waits until the daemon no longer reports session id as
// current, and reports whether it keeps it as ended, for its drive.
func (s *station) awaitEnded(id string) bool {
	s.t.Helper()
	var st *api.Status
	s.awaitStatus("session "+id+" to be no longer current", func(got *api.Status) bool {
		st = got
		return got.Current == nil || got.Current.ID != id
	})
	return st.Ended != nil && st.Ended.ID == id
}

// awaitIdle waits until the daemon has no session, running or ended, so
// that the next recording starts from an idle status.
func (s *station) awaitIdle() {
	s.t.Helper()
	s.awaitStatus("an idle station", func(st *api.Status) bool { return st.Current == nil && st.Ended == nil })
}

func (s *station) awaitStatus(what string, ok func(*api.Status) bool) {
	s.t.Helper()
	deadline := time.Now().Add(wait(20 * time.Second))
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := s.client.Status(ctx)
		cancel()
		if err == nil && ok(st) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %s: status %+v, %v", what, st, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sseEvent is one event of the stream.
type sseEvent struct {
	typ  string
	data []byte
}

// session decodes the session of a state, progress or removed event; it
// is empty for a status.
func (e sseEvent) session() api.Session {
	var ev api.Event
	if json.Unmarshal(e.data, &ev) != nil || ev.Session == nil {
		return api.Session{}
	}
	return *ev.Session
}

// sseStream is one connection to GET /v1/events: every byte received,
// and the events parsed from them.
type sseStream struct {
	stop context.CancelFunc
	done chan struct{} // closed when the stream ends
	err  error         // why it ended; set before done is closed

	mu      sync.Mutex
	raw     []byte
	evs     []sseEvent
	changed chan struct{} // closed and replaced on every event
}

// openEvents connects to the event stream and returns once its first
// event, the status, has arrived, so that no later event is missed.
func (s *station) openEvents() *sseStream {
	t := s.t
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://sluice/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.rawClient().Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("GET /v1/events: %v %v", resp, err)
	}
	st := &sseStream{stop: cancel, done: make(chan struct{}), changed: make(chan struct{})}
	go st.read(resp.Body)
	t.Cleanup(func() { st.close() })
	st.await(t, "the first status", func(e sseEvent) bool { return e.typ == "status" })
	return st
}

// read keeps the body's bytes and parses them with api.ReadEvents, as
// api.Client does.
func (st *sseStream) read(body io.ReadCloser) {
	defer close(st.done)
	defer body.Close()
	err := api.ReadEvents(io.TeeReader(body, st), func(typ string, data []byte) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.evs = append(st.evs, sseEvent{typ: typ, data: data})
		close(st.changed)
		st.changed = make(chan struct{})
		return nil
	})
	st.mu.Lock()
	st.err = err
	st.mu.Unlock()
}

// Write keeps the stream's raw bytes, as read.
func (st *sseStream) Write(p []byte) (int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.raw = append(st.raw, p...)
	return len(p), nil
}

// await waits for an event that matches, the first of all received.
func (st *sseStream) await(t *testing.T, what string, match func(sseEvent) bool) sseEvent {
	t.Helper()
	deadline := time.After(wait(60 * time.Second))
	for {
		st.mu.Lock()
		evs, changed := st.evs, st.changed
		st.mu.Unlock()
		for _, e := range evs {
			if match(e) {
				return e
			}
		}
		select {
		case <-changed:
		case <-st.done:
			t.Fatalf("waiting for %s: the event stream ended (%v)", what, st.err)
		case <-deadline:
			t.Fatalf("waiting for %s: nothing after %v", what, wait(60*time.Second))
		}
	}
}

// last is the last event received.
func (st *sseStream) last() sseEvent {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.evs) == 0 {
		return sseEvent{}
	}
	return st.evs[len(st.evs)-1]
}

// ended waits for the daemon to end the stream and returns its bytes.
func (st *sseStream) ended(timeout time.Duration) ([]byte, error) {
	select {
	case <-st.done:
	case <-time.After(timeout):
		st.stop()
		<-st.done
		return st.bytes(), fmt.Errorf("the daemon did not end the stream within %v", timeout)
	}
	return st.bytes(), st.err
}

// close ends the stream from this side and returns its bytes.
func (st *sseStream) close() []byte {
	st.stop()
	<-st.done
	return st.bytes()
}

func (st *sseStream) bytes() []byte {
	st.mu.Lock()
	defer st.mu.Unlock()
	return bytes.Clone(st.raw)
}
