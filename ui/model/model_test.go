package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-ot/sluice/kiosk/admin"
	"github.com/sluice-ot/sluice/kiosk/api"
)

// clock is a fixed time the test moves by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)} }
func newModel(c *clock) *Model       { return New(Options{Now: c.now, Location: time.UTC}) }
func idleStatus() *api.Status {
	return &api.Status{StationID: "gate-1", Version: "1.0", State: "idle", Rules: api.Rules{Version: "12", AgeDays: 3}, Destination: api.Destination{OK: true, FreeBytes: 5e9, TotalBytes: 8e9}}
}
func event(typ string, s api.Session) ev { return ev{typ, s} }

type ev struct {
	typ string
	s   api.Session
}

// feed plays recorded events through the model as JSON, as the stream
// brings them, and returns the commands they asked for.
func feed(t *testing.T, m *Model, evs ...ev) []Cmd {
	t.Helper()
	var all []Cmd
	for _, e := range evs {
		data, err := json.Marshal(api.Event{Type: e.typ, Session: &e.s})
		if err != nil {
			t.Fatal(err)
		}
		cmds, err := m.Event(e.typ, data)
		if err != nil {
			t.Fatalf("Event(%s): %v", e.typ, err)
		}
		all = append(all, cmds...)
	}
	return all
}

func statusEvent(t *testing.T, m *Model, st *api.Status) []Cmd {
	t.Helper()
	data, _ := json.Marshal(st)
	cmds, err := m.Event("status", data)
	if err != nil {
		t.Fatal(err)
	}
	return cmds
}

const sid = "20261126T093000Z-1a2b3c4d"

// session builds the snapshots a session goes through, as kiosk/session.go
// publishes them: state events for detected and mounting, progress while
// scanning, a state event for publishing, and one for the end.
func session(end api.Session) []ev {
	base := api.Session{ID: sid, Device: api.Device{Device: "/dev/sdb", Bus: "usb", Vendor: "Kingston"}, Started: time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC), RulesVersion: "12"}
	at := func(st api.State, p api.Progress, c api.Counts) api.Session {
		s := base
		s.State, s.Progress, s.Counts = st, p, c
		return s
	}
	total := end.Counts.Clean + end.Counts.Blocked + end.Counts.Infected + end.Counts.Error
	out := []ev{
		event("state", at(api.Detected, api.Progress{}, api.Counts{})),
		event("state", at(api.Mounting, api.Progress{}, api.Counts{})),
		event("state", at(api.Scanning, api.Progress{}, api.Counts{})),
		event("progress", at(api.Scanning, api.Progress{FilesDone: total / 2, FilesTotal: total, BytesDone: 1 << 20, BytesTotal: 4 << 20, Current: "reports/2026/plan.xlsx", ETASeconds: 95}, api.Counts{Clean: end.Counts.Clean / 2})),
	}
	if end.State == api.Done {
		out = append(out, event("state", at(api.Publishing, api.Progress{FilesDone: total, FilesTotal: total, BytesDone: 4 << 20, BytesTotal: 4 << 20}, end.Counts)))
	}
	e := base
	e.State, e.Reason, e.Detail, e.Counts, e.TransferID = end.State, end.Reason, end.Detail, end.Counts, end.TransferID
	e.Progress = api.Progress{FilesDone: total, FilesTotal: total, BytesDone: 4 << 20, BytesTotal: 4 << 20}
	e.Ended = base.Started.Add(time.Minute)
	return append(out, event("state", e))
}

func TestCleanSession(t *testing.T) {
	c := newClock()
	m := newModel(c)
	if got := m.View().Screen; got != ScreenNotReady {
		t.Fatalf("before any status: screen = %v, want not-ready", got)
	}
	statusEvent(t, m, idleStatus())
	if got := m.View().Screen; got != ScreenIdle {
		t.Fatalf("idle status: screen = %v, want idle", got)
	}
	evs := session(api.Session{State: api.Done, Counts: api.Counts{Clean: 3}, TransferID: "T-42"})
	cmds := feed(t, m, evs[:4]...)
	v := m.View()
	if v.Screen != ScreenScanning || v.Scan.Fraction != 0.25 || v.Scan.Current != "reports/2026/plan.xlsx" {
		t.Errorf("scanning view = %+v", v.Scan)
	}
	if want := TN("scan.files", 3).With("Done", 1); !cmp.Equal(v.Scan.Files, want) {
		t.Errorf("files = %v, want %v", v.Scan.Files, want)
	}
	if want := TN("scan.eta.minutes", 2); !cmp.Equal(v.Scan.ETA, want) {
		t.Errorf("eta = %v, want %v", v.Scan.ETA, want)
	}
	cmds = append(cmds, feed(t, m, evs[4:]...)...)
	if len(cmds) != 0 {
		t.Errorf("a clean session asked %v, want nothing", cmds)
	}
	v = m.View()
	if v.Screen != ScreenResult || v.End.Title.Key != "result.clean" || v.End.Tone != ToneGood || v.End.TransferID != "T-42" {
		t.Errorf("result = %v %+v", v.Screen, v.End)
	}
	if want := []Text{TN("result.transferred", 3)}; !cmp.Equal(v.End.Lines, want) {
		t.Errorf("lines = %v, want %v", v.End.Lines, want)
	}
	// A daemon that does not keep the ended session (no Status.Ended):
	// the result stays until the hold is over, then idle.
	m.Status(idleStatus())
	m.Tick()
	if got := m.View().Screen; got != ScreenResult {
		t.Errorf("just after the end: screen = %v, want result", got)
	}
	c.add(DefaultResultHold)
	m.Tick()
	if got := m.View().Screen; got != ScreenIdle {
		t.Errorf("after the hold: screen = %v, want idle", got)
	}
	// A late snapshot of the session does not bring it back.
	feed(t, m, evs[len(evs)-1])
	if got := m.View().Screen; got != ScreenIdle {
		t.Errorf("after a late event: screen = %v, want idle", got)
	}
}

func mixedDetail() *api.SessionDetail {
	d := &api.SessionDetail{Session: api.Session{ID: sid, State: api.Done}}
	d.Files = []api.File{
		{Path: "a.txt", Verdict: "clean"},
		{Path: "budget.xlsm", Verdict: "blocked", Cause: "blocked:yara/Sluice_Office_Macro_OOXML", Reasons: []string{"yara rule Sluice_Office_Macro_OOXML: contains a macro; tags: office, macro"}},
		{Path: "photos.zip", Verdict: "blocked", Cause: "blocked:archive/encrypted", Reasons: []string{"/run/sluice/media/x/p1/photos.zip: password protected"}},
		{Path: "old.doc", Verdict: "blocked", Reasons: []string{"errno 5"}},
	}
	return d
}

func TestMixedSession(t *testing.T) {
	c := newClock()
	m := newModel(c)
	m.Status(idleStatus())
	cmds := feed(t, m, session(api.Session{State: api.Done, Counts: api.Counts{Clean: 5, Blocked: 3}, TransferID: "T-43"})...)
	if want := []Cmd{FetchDetail{sid}}; !cmp.Equal(cmds, want) {
		t.Fatalf("cmds = %v, want %v", cmds, want)
	}
	v := m.View()
	if v.End.Title.Key != "result.some_held" || v.End.Tone != ToneWarn || !v.End.Loading {
		t.Errorf("before the files: %+v", v.End)
	}
	m.Detail(mixedDetail(), nil)
	v = m.View()
	want := []FileLine{
		{Name: "budget.xlsm", Why: T("cause.macro"), Tone: ToneWarn},
		{Name: "photos.zip", Why: T("cause.password"), Tone: ToneWarn},
		{Name: "old.doc", Why: T("cause.not_allowed"), Tone: ToneWarn},
	}
	if diff := cmp.Diff(want, v.End.Files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if wantL := []Text{TN("result.transferred", 5), TN("result.held", 3)}; !cmp.Equal(v.End.Lines, wantL) {
		t.Errorf("lines = %v, want %v", v.End.Lines, wantL)
	}
	if v.End.Loading {
		t.Error("still loading after the detail")
	}
}

func TestThreats(t *testing.T) {
	m := newModel(newClock())
	m.Status(idleStatus())
	feed(t, m, session(api.Session{State: api.Done, Counts: api.Counts{Clean: 2, Infected: 1}, TransferID: "T-44"})...)
	d := &api.SessionDetail{Session: api.Session{ID: sid, State: api.Done}, Files: []api.File{
		{Path: "setup.exe", Verdict: "infected", Cause: "infected:hashdb/malwarebazaar"},
	}}
	m.Detail(d, nil)
	v := m.View()
	if v.End.Title.Key != "result.threats" || v.End.Tone != ToneBad || v.End.Advice.Key != "advice.threats" {
		t.Errorf("threats end = %+v", v.End)
	}
	if len(v.End.Files) != 1 || v.End.Files[0].Why.Key != "cause.known_malware" || v.End.Files[0].Tone != ToneBad {
		t.Errorf("threat files = %+v", v.End.Files)
	}
}

func TestYankedDrive(t *testing.T) {
	m := newModel(newClock())
	m.Status(idleStatus())
	cmds := feed(t, m, session(api.Session{State: api.Aborted, Reason: api.ReasonRemoved, Detail: "the drive was removed before the session ended"})...)
	if len(cmds) != 0 {
		t.Errorf("cmds = %v, want none", cmds)
	}
	v := m.View()
	if v.Screen != ScreenError || v.End.Title.Key != "error.removed" || v.End.Advice.Key != "advice.removed" {
		t.Errorf("yanked: %v %+v", v.Screen, v.End)
	}
}

func TestRefusedDevice(t *testing.T) {
	m := newModel(newClock())
	m.Status(idleStatus())
	s := api.Session{ID: sid, State: api.Detected}
	feed(t, m, event("state", s))
	s.State, s.Reason, s.Detail = api.Failed, api.ReasonRefused, "storage device also has interfaces: HID (keyboard)"
	feed(t, m, event("state", s))
	v := m.View()
	if v.Screen != ScreenError || v.End.Title.Key != "error.refused" || v.End.Tone != ToneBad {
		t.Errorf("refused: %v %+v", v.Screen, v.End)
	}
	if want := []Text{T("error.refused.line"), T("result.nothing_transferred")}; !cmp.Equal(v.End.Lines, want) {
		t.Errorf("lines = %v, want %v", v.End.Lines, want)
	}
}

// TestNoRawText: whatever the daemon writes in its admin fields, no text
// of the view carries it.
func TestNoRawText(t *testing.T) {
	for _, reason := range []string{api.ReasonRefused, api.ReasonUnreadable, api.ReasonDestinationFull, api.ReasonDestination, api.ReasonInternal, api.ReasonStopped, "new-reason"} {
		m := newModel(newClock())
		st := idleStatus()
		st.Destination = api.Destination{Problem: "SECRET statfs /srv: EIO"}
		m.Status(st)
		feed(t, m, event("state", api.Session{ID: sid, State: api.Failed, Reason: reason, Detail: "SECRET /dev/sdb1: errno"}))
		m.Detail(&api.SessionDetail{Session: api.Session{ID: sid, State: api.Failed}, Files: []api.File{{Path: "x", Verdict: "blocked", Reasons: []string{"SECRET"}}}}, nil)
		b, _ := json.Marshal(m.View())
		if strings.Contains(string(b), "SECRET") {
			t.Errorf("reason %s: the view shows raw text: %s", reason, b)
		}
		if k := m.View().End.Title.Key; k == "" {
			t.Errorf("reason %s: no title", reason)
		}
	}
}

func TestDaemonAwayAndBack(t *testing.T) {
	m := newModel(newClock())
	m.Status(idleStatus())
	evs := session(api.Session{State: api.Done, Counts: api.Counts{Clean: 4, Blocked: 1}, TransferID: "T-45"})
	feed(t, m, evs[:4]...)
	m.Unreachable()
	if got := m.View().Screen; got != ScreenNotReady {
		t.Fatalf("daemon gone: screen = %v, want not-ready", got)
	}
	// Back, with the session over and gone: its record tells the end.
	cmds := statusEvent(t, m, idleStatus())
	if want := []Cmd{FetchDetail{sid}}; !cmp.Equal(cmds, want) {
		t.Fatalf("cmds = %v, want %v", cmds, want)
	}
	if got := m.View().Screen; got != ScreenScanning {
		t.Errorf("until the record comes: screen = %v, want scanning", got)
	}
	end := evs[len(evs)-1].s
	d := mixedDetail()
	d.Session = end
	if cmds := m.Detail(d, nil); len(cmds) != 0 {
		t.Errorf("detail asked %v, want nothing more", cmds)
	}
	v := m.View()
	if v.Screen != ScreenResult || v.End.Title.Key != "result.some_held" || len(v.End.Files) != 3 {
		t.Errorf("after coming back: %v %+v", v.Screen, v.End)
	}
}

// TestResultUntilDriveRemoved: the daemon keeps the ended session as
// Status.Ended while its drive is in; the result stays, past the hold,
// until the "removed" event, and then idle at once.
func TestResultUntilDriveRemoved(t *testing.T) {
	c := newClock()
	m := newModel(c)
	statusEvent(t, m, idleStatus())
	evs := session(api.Session{State: api.Done, Counts: api.Counts{Clean: 1}, TransferID: "T-46"})
	feed(t, m, evs...)
	end := evs[len(evs)-1].s
	st := idleStatus()
	st.Ended = &end
	statusEvent(t, m, st)
	c.add(2 * DefaultResultHold)
	m.Tick()
	if got := m.View().Screen; got != ScreenResult {
		t.Fatalf("drive still in, past the hold: screen = %v, want result", got)
	}
	feed(t, m, event(api.EventRemoved, end))
	if got := m.View().Screen; got != ScreenIdle {
		t.Errorf("after the removed event: screen = %v, want idle", got)
	}
	// A late status that still names it does not bring it back.
	statusEvent(t, m, st)
	if got := m.View().Screen; got != ScreenIdle {
		t.Errorf("after a late status: screen = %v, want idle", got)
	}
}

// TestRemovedEventMissed: the stream broke over the removal; the next
// status no longer names the session, and that says the drive left. The
// daemon's brief Current after the end counts as keeping it too.
func TestRemovedEventMissed(t *testing.T) {
	for _, how := range []string{"ended", "current"} {
		m := newModel(newClock())
		m.Status(idleStatus())
		evs := session(api.Session{State: api.Done, Counts: api.Counts{Clean: 1}, TransferID: "T-46"})
		feed(t, m, evs...)
		st := idleStatus()
		end := evs[len(evs)-1].s
		if how == "ended" {
			st.Ended = &end
		} else {
			st.Current, st.State = &end, "busy"
		}
		m.Status(st)
		if got := m.View().Screen; got != ScreenResult {
			t.Fatalf("%s: held: screen = %v, want result", how, got)
		}
		m.Status(idleStatus())
		if got := m.View().Screen; got != ScreenIdle {
			t.Errorf("%s: drive gone: screen = %v, want idle", how, got)
		}
	}
}

// TestEndedWhileAway: back after the session ended, with its drive still
// in: the status's Ended gives the end at once, and the files are fetched.
func TestEndedWhileAway(t *testing.T) {
	m := newModel(newClock())
	m.Status(idleStatus())
	evs := session(api.Session{State: api.Done, Counts: api.Counts{Clean: 4, Blocked: 1}, TransferID: "T-45"})
	feed(t, m, evs[:4]...)
	m.Unreachable()
	st := idleStatus()
	end := evs[len(evs)-1].s
	st.Ended = &end
	if cmds, want := statusEvent(t, m, st), []Cmd{FetchDetail{sid}}; !cmp.Equal(cmds, want) {
		t.Errorf("cmds = %v, want %v", cmds, want)
	}
	if v := m.View(); v.Screen != ScreenResult || v.End.Title.Key != "result.some_held" {
		t.Errorf("back: %v %+v", v.Screen, v.End)
	}
	// Done takes it away even though the drive is still in.
	m.Dismiss()
	m.Status(st)
	if got := m.View().Screen; got != ScreenIdle {
		t.Errorf("after Done: screen = %v, want idle", got)
	}
}

func TestNextSessionReplacesResult(t *testing.T) {
	m := newModel(newClock())
	m.Status(idleStatus())
	feed(t, m, session(api.Session{State: api.Aborted, Reason: api.ReasonCancelled})...)
	if v := m.View(); v.Screen != ScreenResult || v.End.Title.Key != "result.cancelled" {
		t.Fatalf("cancelled: %v %+v", v.Screen, v.End)
	}
	feed(t, m, event("state", api.Session{ID: "20261126T094000Z-00000000", State: api.Detected}))
	if got := m.View().Screen; got != ScreenScanning {
		t.Errorf("next drive: screen = %v, want scanning", got)
	}
	// An older session's late snapshot is ignored.
	feed(t, m, event("progress", api.Session{ID: sid, State: api.Scanning}))
	if got := m.View().Scan.Phase.Key; got != "scan.preparing" {
		t.Errorf("phase = %s, want scan.preparing", got)
	}
}

func TestCancelNeedsConfirmation(t *testing.T) {
	m := newModel(newClock())
	m.Status(idleStatus())
	feed(t, m, session(api.Session{State: api.Done})[:4]...)
	if cmds := m.ConfirmCancel(); cmds != nil {
		t.Errorf("confirm without asking = %v, want nothing", cmds)
	}
	m.AskCancel()
	if !m.View().Scan.Confirm {
		t.Fatal("no confirmation shown")
	}
	m.KeepScanning()
	if m.View().Scan.Confirm {
		t.Fatal("confirmation still shown after keep")
	}
	m.AskCancel()
	if want := []Cmd{CancelSession{sid}}; !cmp.Equal(m.ConfirmCancel(), want) {
		t.Errorf("confirm did not cancel")
	}
	if v := m.View().Scan; !v.Cancelling || v.CanCancel {
		t.Errorf("after cancel: %+v", v)
	}
	m.CancelDone(errors.New("conflict"))
	if !m.View().Scan.CanCancel {
		t.Error("a failed cancel cannot be retried")
	}
}

func TestOperatorBadge(t *testing.T) {
	m := newModel(newClock())
	st := idleStatus()
	st.OperatorPrompt = api.OperatorPromptBadge
	m.Status(st)
	if got := m.View().Screen; got != ScreenOperator {
		t.Fatalf("screen = %v, want operator", got)
	}
	for _, r := range "12a3" {
		m.OperatorKey(r)
	}
	m.OperatorKey('4')
	m.OperatorDelete()
	if got := m.View().Prompt.Input; got != "123" {
		t.Errorf("input = %q, want 123", got)
	}
	cmds := m.OperatorSubmit()
	if want := []Cmd{SetOperator{"123"}}; !cmp.Equal(cmds, want) {
		t.Fatalf("cmds = %v, want %v", cmds, want)
	}
	m.OperatorDone("123", errors.New("invalid"))
	if v := m.View(); v.Screen != ScreenOperator || v.Prompt.Error.Key != "operator.failed" {
		t.Errorf("after a refusal: %v %+v", v.Screen, v.Prompt)
	}
	m.OperatorSubmit()
	m.OperatorDone("123", nil)
	if v := m.View(); v.Screen != ScreenIdle || v.Operator != "123" {
		t.Errorf("after: %v operator %q", v.Screen, v.Operator)
	}
	// A poll answered before the name arrived does not bring the keypad back.
	m.Status(st)
	if got := m.View().Screen; got != ScreenIdle {
		t.Errorf("after a stale status: screen = %v, want idle", got)
	}
}

func TestOperatorName(t *testing.T) {
	m := newModel(newClock())
	st := idleStatus()
	st.OperatorPrompt = api.OperatorPromptName
	m.Status(st)
	for _, r := range " ANA  MÜLLER" {
		m.OperatorKey(r)
	}
	if v := m.View().Prompt; !v.Letters || v.Input != "ANA MÜLLER" {
		t.Errorf("prompt = %+v", v)
	}
}

// login types pin and code on the admin keypad, each followed by Next,
// and returns what the last Next asks of the daemon.
func login(m *Model, pin, code string) []Cmd {
	for _, r := range pin {
		m.AdminKey(r)
	}
	m.AdminNext()
	for _, r := range code {
		m.AdminKey(r)
	}
	return m.AdminNext()
}

func TestAdminLogin(t *testing.T) {
	c := newClock()
	m := newModel(c)
	m.Status(idleStatus())
	m.AdminOpen()
	for _, r := range "2468" {
		m.AdminKey(r)
	}
	if v := m.View(); v.Screen != ScreenAdminLogin || v.Login.Masked != "●●●●" || v.Login.CodeNow {
		t.Fatalf("pin step: %v %+v", v.Screen, v.Login)
	}
	m.AdminNext()
	for _, r := range "1234567" {
		m.AdminKey(r)
	}
	cmds := m.AdminNext()
	if want := []Cmd{AdminLogin{"2468", "123456"}}; !cmp.Equal(cmds, want) {
		t.Fatalf("cmds = %v, want %v", cmds, want)
	}
	m.LoginDone("", &admin.LockoutError{Remaining: 5 * time.Minute})
	if v := m.View().Login; v.Error.Key != "login.locked.minutes" || v.Error.N != 5 || v.CodeNow {
		t.Errorf("lockout: %+v", v)
	}
	m.LoginDone("", nil) // no login in flight: ignored
	login(m, "2468", "654321")
	m.LoginDone("", fmt.Errorf("wrapped: %w", admin.ErrBadCredentials))
	if got := m.View().Login.Error.Key; got != "login.bad" {
		t.Errorf("bad credentials: error = %s", got)
	}
	login(m, "2468", "654321")
	cmds = m.LoginDone("tok", nil)
	if want := []Cmd{AdminFetch{"tok"}}; !cmp.Equal(cmds, want) {
		t.Fatalf("after login cmds = %v, want %v", cmds, want)
	}
	rules := &api.RulesList{Bundles: []api.RuleBundle{{Name: "plant", Version: 12, Active: true, InstalledAt: c.now()}}}
	m.AdminData(rules, []api.Session{{ID: sid, State: api.Done, Counts: api.Counts{Clean: 3, Blocked: 1}, TransferID: "T", Operator: "123", Started: c.now()}}, nil)
	v := m.View()
	if v.Screen != ScreenAdmin || len(v.Admin.Sessions) != 1 || v.Admin.Sessions[0].Time != "2026-11-26 09:30" || v.Admin.Sessions[0].Outcome.Key != "result.some_held" {
		t.Errorf("admin: %v %+v", v.Screen, v.Admin)
	}
	c.add(time.Minute)
	m.AdminShowTab(TabSessions)
	c.add(DefaultAdminIdle - time.Second)
	if cmds := m.Tick(); cmds != nil {
		t.Errorf("before idle: %v", cmds)
	}
	c.add(time.Second)
	if want := []Cmd{AdminLogout{"tok"}}; !cmp.Equal(m.Tick(), want) {
		t.Error("no logout when idle")
	}
	if got := m.View().Screen; got != ScreenIdle {
		t.Errorf("after idle logout: screen = %v", got)
	}
}

func TestAdminTokenExpired(t *testing.T) {
	m := newModel(newClock())
	m.Status(idleStatus())
	m.admin = adminState{token: "tok", loading: true}
	m.AdminData(nil, nil, admin.ErrExpired)
	if v := m.View(); v.Screen != ScreenAdminLogin || v.Login.Error.Key != "login.expired" {
		t.Errorf("expired: %v %+v", v.Screen, v.Login)
	}
}

func TestUpdateDrive(t *testing.T) {
	m := newModel(newClock())
	m.Status(idleStatus())
	m.admin = adminState{token: "tok"}
	s := api.Session{ID: sid, State: api.Mounting}
	feed(t, m, event("state", s))
	s.State = api.Updating
	feed(t, m, event("state", s))
	if v := m.View(); v.Screen != ScreenUpdating || !v.Update.Running {
		t.Fatalf("updating: %v %+v", v.Screen, v.Update)
	}
	s.State, s.Reason = api.Done, api.ReasonUpdate
	cmds := feed(t, m, event("state", s))
	if want := []Cmd{FetchDetail{sid}}; !cmp.Equal(cmds, want) {
		t.Fatalf("cmds = %v", cmds)
	}
	m.Detail(&api.SessionDetail{Session: s, Files: []api.File{
		{Path: "sluice-update/plant-12.tar", Verdict: "installed"},
		{Path: "sluice-update/plant-11.tar", Verdict: "already-installed"},
		{Path: "sluice-update/evil.tar", Verdict: "refused", Reasons: []string{"signature: SECRET"}},
	}}, nil)
	want := []BundleLine{
		{Name: "plant-12.tar", Result: T("update.installed"), Tone: ToneGood},
		{Name: "plant-11.tar", Result: T("update.already"), Tone: ToneNeutral},
		{Name: "evil.tar", Result: T("update.refused"), Tone: ToneBad},
	}
	if diff := cmp.Diff(want, m.View().Update.Bundles); diff != "" {
		t.Errorf("bundles (-want +got):\n%s", diff)
	}
	m.Dismiss()
	if got := m.View().Screen; got != ScreenAdmin {
		t.Errorf("after the update: screen = %v, want admin", got)
	}
}

func TestStrip(t *testing.T) {
	tests := []struct {
		name  string
		rules api.Rules
		key   string
		tone  Tone
	}{
		{"bundle", api.Rules{Name: "plant", Version: "12", AgeDays: 3}, "strip.rules.age", ToneGood},
		{"bundle today", api.Rules{Name: "plant", Version: "12"}, "strip.rules.today", ToneGood},
		{"bundle stale", api.Rules{Name: "plant", Version: "12", AgeDays: 40, Stale: true}, "strip.rules.stale", ToneWarn},
		{"no bundle", api.Rules{Name: "configured rules", Version: "sources-sha256:64ee7d45b8ca5d24 (17 rules in 5 files)", Stale: true}, "strip.rules.defaults", ToneWarn},
		{"nothing", api.Rules{}, "strip.rules.none", ToneWarn},
	}
	for _, tt := range tests {
		st := idleStatus()
		st.Rules = tt.rules
		s := strip(st)
		if s.Rules.Key != tt.key || s.RulesTone != tt.tone {
			t.Errorf("%s: strip rules = %s tone %v, want %s tone %v", tt.name, s.Rules.Key, s.RulesTone, tt.key, tt.tone)
		}
		if tt.name == "no bundle" && len(s.Rules.Args) != 0 {
			t.Errorf("no bundle: strip shows %v, want no version", s.Rules.Args)
		}
	}
	st := idleStatus()
	st.Destination = api.Destination{TotalBytes: 8e9, Problem: "full"}
	s := strip(st)
	if s.Destination.Key != "strip.dest.full" || s.Warning.Key != "idle.warn.full" {
		t.Errorf("destination = %+v warning %+v", s.Destination, s.Warning)
	}
}

func TestShorten(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a.txt", "a.txt"},
		{"evil\u202etxt.exe", "eviltxt.exe"},
		{"a/very/long/path/to/some/deeply/nested/folder/report-final.xlsm", "a/very/lon…der/report-final.xlsm"},
	}
	for _, tt := range tests {
		if got := Shorten(tt.in, 32); got != tt.want {
			t.Errorf("Shorten(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
