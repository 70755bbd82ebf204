package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-ot/sluice/kiosk/api"
)

// These tests replay what a real sluiced sent: testdata/recorded holds
// event streams and session records that TestRecordEvents in cmd/sluiced
// recorded (testdata/recorded/README.md). Ids, times and progress figures
// are whatever the recording had, so the tests look at screens and
// message keys only.

// sseEvent is one event of a recorded stream.
type sseEvent struct {
	typ  string
	data []byte
}

// readSSE reads a recorded stream as api.Client.Events parses it: an
// "event: " line names the type of the "data: " lines after it, and
// anything else (blank lines, ": keep-alive") is skipped.
func readSSE(t *testing.T, name string) []sseEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "recorded", name+".sse"))
	if err != nil {
		t.Fatal(err)
	}
	var evs []sseEvent
	err = api.ReadEvents(bytes.NewReader(b), func(typ string, data []byte) error {
		evs = append(evs, sseEvent{typ, data})
		return nil
	})
	if err != nil {
		t.Fatalf("%s.sse: %v", name, err)
	}
	if len(evs) == 0 || evs[0].typ != "status" {
		t.Fatalf("%s.sse: the stream does not start with a status event", name)
	}
	return evs
}

// session is the session of a state, progress or removed event.
func (e sseEvent) session(t *testing.T) *api.Session {
	t.Helper()
	var ev api.Event
	if err := json.Unmarshal(e.data, &ev); err != nil || ev.Session == nil {
		t.Fatalf("%s event %.80s: no session (%v)", e.typ, e.data, err)
	}
	return ev.Session
}

// daemon is the replays' fake daemon: it answers the model's requests
// with the session records recorded beside the streams, as the kiosk's
// client would fetch them.
type daemon struct {
	t       *testing.T
	records map[string]*api.SessionDetail
	fetched []string
}

func newDaemon(t *testing.T) *daemon {
	t.Helper()
	d := &daemon{t: t, records: map[string]*api.SessionDetail{}}
	files, err := filepath.Glob(filepath.Join("testdata", "recorded", "*.session.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rec api.SessionDetail
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		d.records[rec.ID] = &rec
	}
	return d
}

// send feeds one recorded event to m and answers what it asks.
func (d *daemon) send(m *Model, e sseEvent) {
	d.t.Helper()
	cmds, err := m.Event(e.typ, e.data)
	if err != nil {
		d.t.Fatalf("Event(%s, %.80s): %v", e.typ, e.data, err)
	}
	d.answer(m, cmds)
}

// answer runs the model's requests as the kiosk does. A replay has no
// operator and no admin, so the only request expected is a session's
// record; one that was not recorded is not found.
func (d *daemon) answer(m *Model, cmds []Cmd) {
	d.t.Helper()
	for _, c := range cmds {
		f, ok := c.(FetchDetail)
		if !ok {
			d.t.Fatalf("a replay asked %#v of the daemon", c)
		}
		d.fetched = append(d.fetched, f.ID)
		rec, ok := d.records[f.ID]
		if !ok {
			d.answer(m, m.Detail(nil, fmt.Errorf("session %s: %w", f.ID, api.ErrNotFound)))
			continue
		}
		d.answer(m, m.Detail(rec, nil))
	}
}

// scanPhase is the phase key the scanning screen shows in state s.
var scanPhase = map[api.State]string{
	api.Detected: "scan.preparing", api.Mounting: "scan.preparing",
	api.Scanning: "scan.checking", api.Publishing: "scan.publishing",
}

// replaySession plays a recorded session's stream through a model and
// checks what every recorded stream must show: idle at the first status,
// the scanning screen while the session runs, and no admin text. It
// returns the view just after the session's end (the detail fetched, if
// asked) and the session as its last state event gave it.
func replaySession(t *testing.T, m *Model, d *daemon, evs []sseEvent) (View, *api.Session) {
	t.Helper()
	d.send(m, evs[0])
	if v := m.View(); v.Screen != ScreenIdle || v.Strip.Station.Key != "strip.station" {
		t.Fatalf("after the first status: screen = %v, strip %+v, want idle", v.Screen, v.Strip)
	}
	var end *api.Session
	var atEnd View
	for i, e := range evs[1:] {
		s := e.session(t)
		if e.typ == api.EventRemoved {
			continue // checked by the caller
		}
		if end != nil {
			t.Fatalf("event %d: %s %s after the session ended", i+1, e.typ, s.State)
		}
		d.send(m, e)
		v := m.View()
		if s.State.Final() {
			end, atEnd = s, v
			checkNoAdminText(t, v, s)
			continue
		}
		if v.Screen != ScreenScanning || v.Scan.Phase.Key != scanPhase[s.State] {
			t.Errorf("event %d: %s %s: screen = %v phase %s, want scanning %s", i+1, e.typ, s.State, v.Screen, v.Scan.Phase.Key, scanPhase[s.State])
		}
		if p := s.Progress; s.State == api.Scanning && p.FilesTotal > 0 {
			if want := TN("scan.files", p.FilesTotal).With("Done", p.FilesDone); !cmp.Equal(v.Scan.Files, want) || v.Scan.Fraction < 0 || v.Scan.Fraction > 1 {
				t.Errorf("event %d: progress %+v: files %v fraction %v, want %v", i+1, p, v.Scan.Files, v.Scan.Fraction, want)
			}
		}
	}
	if end == nil {
		t.Fatal("the recorded session never ends")
	}
	return atEnd, end
}

// checkNoAdminText: the session's Detail and its files' reasons are for
// the log; device names and the station's paths are never shown either.
func checkNoAdminText(t *testing.T, v View, s *api.Session) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"/dev/", "$WORK", s.Device.Device, s.TransferPath} {
		if raw != "" && bytes.Contains(b, []byte(raw)) {
			t.Errorf("the view shows %q: %s", raw, b)
		}
	}
	if s.Detail != "" && bytes.Contains(b, []byte(s.Detail)) {
		t.Errorf("the view shows the session's detail %q", s.Detail)
	}
}

// Files the recorded drives hold back, in the operator's words
// (internal/corpus.DemoDrive).
var (
	heldFiles = []FileLine{
		{Name: "archives/secret.zip", Why: T("cause.password"), Tone: ToneWarn},
		{Name: "autorun.inf", Why: T("cause.autorun"), Tone: ToneWarn},
		{Name: "documents/order-form.docm", Why: T("cause.macro"), Tone: ToneWarn},
		{Name: "invoice.pdf", Why: T("cause.hidden_program"), Tone: ToneWarn},
	}
	threatFiles = []FileLine{
		{Name: "archives/nested.zip", Why: T("cause.test_virus"), Tone: ToneBad},
		{Name: "eicar.com", Why: T("cause.test_virus"), Tone: ToneBad},
		{Name: "tools/plc-settings.txt", Why: T("cause.known_malware"), Tone: ToneBad},
	}
)

func TestRecordedSessions(t *testing.T) {
	tests := []struct {
		name   string
		screen Screen
		// end is the end screen, but for the transfer id, which comes from
		// the recording; files in any order.
		end EndView
		// transfer: the session published a transfer; fetch: the model
		// asks for the session's record to list the files held back;
		// kept: the daemon kept the ended session until its drive left,
		// and said so with a removed event.
		transfer, fetch, kept bool
	}{
		{name: "clean", screen: ScreenResult, transfer: true, kept: true, end: EndView{
			Tone: ToneGood, Title: T("result.clean"), Advice: T("advice.remove"),
			Lines: []Text{TN("result.transferred", 7)},
		}},
		{name: "mixed", screen: ScreenResult, transfer: true, fetch: true, kept: true, end: EndView{
			Tone: ToneWarn, Title: T("result.some_held"), Advice: T("advice.remove"),
			Lines: []Text{TN("result.transferred", 7), TN("result.held", 4)},
			Files: heldFiles,
		}},
		{name: "threats", screen: ScreenResult, transfer: true, fetch: true, kept: true, end: EndView{
			Tone: ToneBad, Title: T("result.threats"), Advice: T("advice.threats"),
			Lines: []Text{TN("result.transferred", 7), TN("result.held", 7)},
			Files: append(slices.Clone(heldFiles), threatFiles...),
		}},
		{name: "yanked", screen: ScreenError, end: EndView{
			Tone: ToneWarn, Title: T("error.removed"), Advice: T("advice.removed"),
			Lines: []Text{T("result.nothing_transferred")},
		}},
		{name: "refused", screen: ScreenError, kept: true, end: EndView{
			Tone: ToneBad, Title: T("error.refused"), Advice: T("advice.refused"),
			Lines: []Text{T("error.refused.line"), T("result.nothing_transferred")},
		}},
	}
	byName := func(a, b FileLine) int { return strings.Compare(a.Name, b.Name) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			m := newModel(c)
			d := newDaemon(t)
			evs := readSSE(t, tt.name)
			v, end := replaySession(t, m, d, evs)
			if v.Screen != tt.screen {
				t.Errorf("at the end (%s %s): screen = %v, want %v", end.State, end.Reason, v.Screen, tt.screen)
			}
			if (end.TransferID != "") != tt.transfer || v.End.TransferID != end.TransferID {
				t.Errorf("transfer id = %q, recorded %q, want one: %v", v.End.TransferID, end.TransferID, tt.transfer)
			}
			want := tt.end
			want.TransferID, want.Files = end.TransferID, slices.Clone(want.Files)
			got := v.End
			slices.SortFunc(got.Files, byName)
			slices.SortFunc(want.Files, byName)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("end screen (-want +got):\n%s", diff)
			}
			var wantFetched []string
			if tt.fetch {
				wantFetched = []string{end.ID}
			}
			if !cmp.Equal(d.fetched, wantFetched) {
				t.Errorf("session records fetched = %v, want %v", d.fetched, wantFetched)
			}

			// The drive leaves. The daemon says so when it kept the ended
			// session for its drive; a drive pulled out during its session
			// was gone before the end, and the result stays for the hold.
			last := evs[len(evs)-1]
			if (last.typ == api.EventRemoved) != tt.kept {
				t.Fatalf("the recording ends with a %s event, want the drive's removal: %v", last.typ, tt.kept)
			}
			if tt.kept {
				if s := last.session(t); s.ID != end.ID {
					t.Fatalf("removed event for %s, want %s", s.ID, end.ID)
				}
				d.send(m, last)
				if got := m.View().Screen; got != ScreenIdle {
					t.Errorf("after the removed event: screen = %v, want idle", got)
				}
				return
			}
			m.Tick()
			if got := m.View().Screen; got != tt.screen {
				t.Errorf("before the hold is over: screen = %v, want %v", got, tt.screen)
			}
			c.add(DefaultResultHold)
			m.Tick()
			if got := m.View().Screen; got != ScreenIdle {
				t.Errorf("after the hold: screen = %v, want idle", got)
			}
		})
	}
}

// TestRecordedDaemonAwayAndBack: the daemon stopped (SIGTERM) while it
// scanned, and started again with the drive gone. Its last event says how
// the session ended, then the stream closes and the station does not
// answer; the kiosk says so until the daemon's new stream brings a status.
func TestRecordedDaemonAwayAndBack(t *testing.T) {
	c := newClock()
	m := newModel(c)
	d := newDaemon(t)
	before, after := readSSE(t, "away-1"), readSSE(t, "away-2")
	v, end := replaySession(t, m, d, before)
	stopped := EndView{Tone: ToneWarn, Title: T("error.stopped"), Advice: T("advice.again"), Lines: []Text{T("result.nothing_transferred")}}
	if diff := cmp.Diff(stopped, v.End); v.Screen != ScreenError || diff != "" {
		t.Errorf("at the end (%s %s): screen = %v, want error; end screen (-want +got):\n%s", end.State, end.Reason, v.Screen, diff)
	}
	progressed := false
	for _, e := range before {
		progressed = progressed || e.typ == api.EventProgress && e.session(t).Progress.FilesDone > 0
	}
	if !progressed {
		t.Error("the recording has no progress with files done: the daemon was not stopped mid-scan")
	}

	// The stream ended; the kiosk asks the status, and nobody answers.
	m.Unreachable()
	if v := m.View(); v.Screen != ScreenNotReady || v.NotReady.Title.Key != "notready.title" {
		t.Fatalf("daemon gone: screen = %v %+v, want not-ready", v.Screen, v.NotReady)
	}

	// Back: a stream of a status only, with no session running or kept.
	if len(after) != 1 {
		t.Fatalf("away-2.sse holds %d events, want the status only", len(after))
	}
	d.send(m, after[0])
	if d.fetched != nil {
		t.Errorf("back: fetched %v, want nothing: the end was seen", d.fetched)
	}
	if v := m.View(); v.Screen != ScreenError || v.End.Title.Key != "error.stopped" {
		t.Errorf("back: screen = %v %s, want the stopped session's end until the hold is over", v.Screen, v.End.Title.Key)
	}
	c.add(DefaultResultHold)
	m.Tick()
	if v := m.View(); v.Screen != ScreenIdle || v.Strip.Destination.Key != "strip.dest.ok" {
		t.Errorf("after the hold: screen = %v, strip %+v, want idle", v.Screen, v.Strip)
	}
}

// TestRecordedStreamCut: the same restart, but the stream broke before
// the session's last event. The new daemon's status no longer names the
// session, so the model asks for its record, and the daemon answers with
// the session as it ended.
func TestRecordedStreamCut(t *testing.T) {
	c := newClock()
	m := newModel(c)
	d := newDaemon(t)
	before, after := readSSE(t, "away-1"), readSSE(t, "away-2")
	last := before[len(before)-1]
	end := last.session(t)
	if last.typ != api.EventState || !end.State.Final() {
		t.Fatalf("away-1.sse ends with %s %s, want the session's end", last.typ, end.State)
	}
	// The record of an aborted session lists what was scanned before the
	// stop; the model shows none of it, so the end alone stands for it.
	d.records[end.ID] = &api.SessionDetail{Session: *end}
	for _, e := range before[:len(before)-1] {
		d.send(m, e)
	}
	if got := m.View().Screen; got != ScreenScanning {
		t.Fatalf("before the cut: screen = %v, want scanning", got)
	}
	m.Unreachable()
	d.send(m, after[0])
	if want := []string{end.ID}; !cmp.Equal(d.fetched, want) {
		t.Errorf("back: fetched %v, want %v", d.fetched, want)
	}
	if v := m.View(); v.Screen != ScreenError || v.End.Title.Key != "error.stopped" {
		t.Errorf("back: screen = %v %s, want error.stopped", v.Screen, v.End.Title.Key)
	}
}

// TestRecordedNotFound: a session record the daemon no longer has leaves
// the files out, never the outcome.
func TestRecordedNotFound(t *testing.T) {
	m := newModel(newClock())
	d := newDaemon(t)
	d.records = map[string]*api.SessionDetail{}
	evs := readSSE(t, "mixed")
	for _, e := range evs[:len(evs)-1] {
		d.send(m, e)
	}
	v := m.View()
	if v.Screen != ScreenResult || v.End.Title.Key != "result.some_held" || v.End.Loading || len(v.End.Files) != 0 {
		t.Errorf("record not found: %v %+v", v.Screen, v.End)
	}
}
