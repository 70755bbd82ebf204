package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/sluice-ot/sluice/kiosk/admin"
	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/ui/catalog"
)

func scanning(st api.State) api.Session {
	return api.Session{
		ID: sid, State: st, Started: t0,
		Device:   api.Device{Device: "/dev/sdb", Bus: "usb", Vendor: "Kingston", Model: "DataTraveler"},
		Progress: api.Progress{FilesDone: 1234, FilesTotal: 3400, BytesDone: 700 << 20, BytesTotal: 1900 << 20, Current: "Projects/Line 4/maintenance/2026/very long folder name/pump-calibration-final-v7.xlsx", ETASeconds: 170},
		Counts:   api.Counts{Clean: 1220, Blocked: 14},
	}
}

func ended(st api.State, reason string, c api.Counts, transfer string) api.Session {
	s := scanning(st)
	s.Reason, s.Counts, s.TransferID = reason, c, transfer
	s.Detail = "RAW ADMIN TEXT"
	s.Progress.Current, s.Ended = "", t0.Add(3*time.Minute)
	return s
}

func mixedFiles() *api.SessionDetail {
	return &api.SessionDetail{Files: []api.File{
		{Path: "Projects/budget 2026.xlsm", Verdict: "blocked", Cause: "blocked:yara/Sluice_Office_Macro_OOXML"},
		{Path: "photos/holiday.zip", Verdict: "blocked", Cause: "blocked:archive/encrypted"},
		{Path: "drivers/invoice.pdf.exe", Verdict: "blocked", Cause: "blocked:type/disguised-executable"},
		{Path: "tools/run.lnk", Verdict: "blocked", Cause: "blocked:type/disguised-shortcut"},
		{Path: "autorun.inf", Verdict: "blocked", Cause: "blocked:type/reserved-name"},
		{Path: "link-to-etc", Verdict: "blocked", Cause: "blocked:walk/symlink"},
		{Path: "notes.txt", Verdict: "clean"},
		{Path: "scripts/setup.js", Verdict: "blocked", Cause: "blocked:type/disguised-script"},
		{Path: "big/archive.tar.xz", Verdict: "blocked", Cause: "blocked:archive/ratio-limit"},
		{Path: "report.pdf", Verdict: "blocked", Cause: "blocked:yara/Sluice_PDF_JavaScript"},
		{Path: "old/thing.bin", Verdict: "blocked", Cause: "blocked:type/type-not-allowed"},
	}}
}

// screenState is one state of the screen, reached from an idle kiosk.
type screenState struct {
	name  string
	setup func(t *testing.T, k *Kiosk, f *fakeClient)
}

// screenStates are the states the goldens show.
func screenStates() []screenState {
	return []screenState{
		{"not-ready", func(t *testing.T, k *Kiosk, f *fakeClient) { k.status(nil, api.ErrUnreachable) }},
		{"idle", func(t *testing.T, k *Kiosk, f *fakeClient) {}},
		{"idle-stale-full", func(t *testing.T, k *Kiosk, f *fakeClient) {
			st := idleStatus()
			st.Rules.Stale, st.Rules.AgeDays = true, 41
			st.Destination = api.Destination{TotalBytes: 500e9, Problem: "full"}
			k.status(st, nil)
		}},
		{"idle-no-bundle", func(t *testing.T, k *Kiosk, f *fakeClient) { k.status(noBundleStatus(), nil) }},
		{"idle-fr", func(t *testing.T, k *Kiosk, f *fakeClient) { k.m.SetLanguage("fr"); k.render() }},
		{"idle-de", func(t *testing.T, k *Kiosk, f *fakeClient) { k.m.SetLanguage("de"); k.render() }},
		{"idle-es", func(t *testing.T, k *Kiosk, f *fakeClient) { k.m.SetLanguage("es"); k.render() }},
		{"operator-badge", func(t *testing.T, k *Kiosk, f *fakeClient) {
			st := idleStatus()
			st.OperatorPrompt = api.OperatorPromptBadge
			k.status(st, nil)
			tapKeys(t, k, "4711")
		}},
		{"operator-name", func(t *testing.T, k *Kiosk, f *fakeClient) {
			st := idleStatus()
			st.OperatorPrompt = api.OperatorPromptName
			k.status(st, nil)
			tapKeys(t, k, "ANA")
		}},
		{"preparing", func(t *testing.T, k *Kiosk, f *fakeClient) { k.testEvent(t, "state", scanning(api.Mounting)) }},
		{"scanning", func(t *testing.T, k *Kiosk, f *fakeClient) { k.testEvent(t, "progress", scanning(api.Scanning)) }},
		{"result-clean", func(t *testing.T, k *Kiosk, f *fakeClient) {
			k.testEvent(t, "state", ended(api.Done, "", api.Counts{Clean: 3400}, "20261126T093000Z-gate-1"))
		}},
		{"result-mixed", func(t *testing.T, k *Kiosk, f *fakeClient) {
			f.detail = mixedFiles()
			f.detail.ID = sid
			k.testEvent(t, "state", ended(api.Done, "", api.Counts{Clean: 3390, Blocked: 10}, "20261126T093000Z-gate-1"))
		}},
		{"result-threats", func(t *testing.T, k *Kiosk, f *fakeClient) {
			f.detail = &api.SessionDetail{Files: []api.File{
				{Path: "setup.exe", Verdict: "infected", Cause: "infected:hashdb/malwarebazaar"},
				{Path: "eicar.com", Verdict: "infected", Cause: "infected:yara/Sluice_EICAR_Test_File"},
			}}
			f.detail.ID = sid
			k.testEvent(t, "state", ended(api.Done, "", api.Counts{Clean: 12, Infected: 2}, "20261126T093000Z-gate-1"))
		}},
		{"result-empty", func(t *testing.T, k *Kiosk, f *fakeClient) {
			k.testEvent(t, "state", ended(api.Done, "", api.Counts{}, ""))
		}},
		{"result-cancelled", func(t *testing.T, k *Kiosk, f *fakeClient) {
			k.testEvent(t, "state", ended(api.Aborted, api.ReasonCancelled, api.Counts{Clean: 5}, ""))
		}},
		{"error-refused", func(t *testing.T, k *Kiosk, f *fakeClient) {
			k.testEvent(t, "state", ended(api.Failed, api.ReasonRefused, api.Counts{}, ""))
		}},
		{"error-unreadable", func(t *testing.T, k *Kiosk, f *fakeClient) {
			k.testEvent(t, "state", ended(api.Failed, api.ReasonUnreadable, api.Counts{}, ""))
		}},
		{"error-destination-full", func(t *testing.T, k *Kiosk, f *fakeClient) {
			k.testEvent(t, "state", ended(api.Failed, api.ReasonDestinationFull, api.Counts{}, ""))
		}},
		{"error-removed", func(t *testing.T, k *Kiosk, f *fakeClient) {
			k.testEvent(t, "state", ended(api.Aborted, api.ReasonRemoved, api.Counts{}, ""))
		}},
		{"update-running", func(t *testing.T, k *Kiosk, f *fakeClient) { k.testEvent(t, "state", scanning(api.Updating)) }},
		{"update-done", func(t *testing.T, k *Kiosk, f *fakeClient) {
			f.detail = &api.SessionDetail{Files: []api.File{
				{Path: "sluice-update/plant-13.tar", Verdict: "installed"},
				{Path: "sluice-update/plant-12.tar", Verdict: "already-installed"},
				{Path: "sluice-update/unsigned.tar", Verdict: "refused", Reasons: []string{"RAW"}},
			}}
			f.detail.ID = sid
			k.testEvent(t, "state", ended(api.Done, api.ReasonUpdate, api.Counts{}, ""))
		}},
		{"admin-login", func(t *testing.T, k *Kiosk, f *fakeClient) {
			test.Tap(adminButton(t, k))
			tapKeys(t, k, "2468")
		}},
		{"admin-login-locked", func(t *testing.T, k *Kiosk, f *fakeClient) {
			f.loginErr = &admin.LockoutError{Remaining: 5 * time.Minute}
			login(t, k)
		}},
		{"admin-rules", func(t *testing.T, k *Kiosk, f *fakeClient) { adminData(f); login(t, k) }},
		{"admin-rules-no-bundle", func(t *testing.T, k *Kiosk, f *fakeClient) {
			k.status(noBundleStatus(), nil)
			login(t, k)
		}},
		{"admin-sessions", func(t *testing.T, k *Kiosk, f *fakeClient) {
			adminData(f)
			login(t, k)
			test.Tap(buttonWithText(t, k, "Recent drives"))
		}},
		{"admin-station", func(t *testing.T, k *Kiosk, f *fakeClient) {
			adminData(f)
			login(t, k)
			test.Tap(buttonWithText(t, k, "Station"))
		}},
	}
}

// TestScreens renders every screen state and compares it with its golden.
func TestScreens(t *testing.T) {
	for _, tt := range screenStates() {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{status: idleStatus()}
			k := newKiosk(t, f, screen1280)
			k.status(idleStatus(), nil)
			tt.setup(t, k, f)
			golden(t, k, tt.name)
			if hasText(k, "RAW ADMIN TEXT") || hasText(k, "RAW") {
				t.Error("raw admin text on screen")
			}
		})
	}
}

// TestScreensFit: every state, in every language, fits the station's
// screen and a common smaller panel. A label whose minimum size is wider
// than the screen makes fyne grow the window past it, and the screen cuts
// off its right end (a Log out button, the end of the advice).
func TestScreensFit(t *testing.T) {
	for _, size := range []fyne.Size{screen1280, {Width: 1024, Height: 768}} {
		for _, lang := range catalog.Languages {
			for _, tt := range screenStates() {
				name := fmt.Sprintf("%s/%s/%vx%v", tt.name, lang, size.Width, size.Height)
				t.Run(name, func(t *testing.T) {
					f := &fakeClient{status: idleStatus()}
					k := newKiosk(t, f, size)
					k.status(idleStatus(), nil)
					tt.setup(t, k, f)
					k.m.SetLanguage(lang)
					k.render()
					c := k.win.Content()
					// Everything got the room it needs as first drawn. (Wrapped
					// text knows its height only once it has a width; a layout
					// that measured it before gives it too little, and what
					// follows overlaps it.)
					for _, o := range squeezed(c) {
						t.Errorf("%s: %s", name, o)
					}
					if got := c.MinSize(); got.Width > size.Width || got.Height > size.Height {
						t.Errorf("%s: content min size = %vx%v, want at most %vx%v", name, got.Width, got.Height, size.Width, size.Height)
					}
				})
			}
		}
	}
}

// squeezed lists the visible widgets and containers of the screen laid
// out smaller than their minimum size. (Drawing primitives are left out:
// a scroll's shadow is 0 px high on purpose.)
func squeezed(c fyne.CanvasObject) []string {
	var out []string
	for _, o := range test.LaidOutObjects(c) {
		_, isWidget := o.(fyne.Widget)
		_, isContainer := o.(*fyne.Container)
		if !o.Visible() || !isWidget && !isContainer {
			continue
		}
		if size, min := o.Size(), o.MinSize(); size.Width+0.5 < min.Width || size.Height+0.5 < min.Height {
			out = append(out, fmt.Sprintf("%T at %v is %vx%v, less than its minimum %vx%v", o, o.Position(), size.Width, size.Height, min.Width, min.Height))
		}
	}
	return out
}

// noBundleStatus is a station with no signed rule bundle installed: the
// daemon names its rules by a digest of their sources.
func noBundleStatus() *api.Status {
	st := idleStatus()
	st.Rules = api.Rules{Name: "configured rules", Version: "sources-sha256:64ee7d45b8ca5d24 (17 rules in 5 files)", Count: 17, Stale: true}
	return st
}

// TestNoBundleStrip: with no signed bundle, the strip names the station's
// own rules in words, never the digest the daemon calls them by.
func TestNoBundleStrip(t *testing.T) {
	f := &fakeClient{status: idleStatus()}
	k := newKiosk(t, f, screen1280)
	k.status(noBundleStatus(), nil)
	if !hasText(k, "Signatures: station defaults, no update installed") {
		t.Error("the strip does not say the station runs its default signatures")
	}
	if hasTextContaining(k, "sha256") {
		t.Error("the strip shows the digest of the rule sources")
	}
}

func adminData(f *fakeClient) {
	f.rules = &api.RulesList{Bundles: []api.RuleBundle{
		{Name: "plant", Version: 12, InstalledAt: t0.Add(-72 * time.Hour), Active: true},
		{Name: "plant", Version: 11, InstalledAt: t0.Add(-800 * time.Hour)},
	}}
	f.sessions = []api.Session{
		{ID: "b", State: api.Done, Started: t0.Add(-time.Hour), Operator: "4711", TransferID: "x", Counts: api.Counts{Clean: 40, Blocked: 2}},
		{ID: "a", State: api.Done, Started: t0.Add(-2 * time.Hour), TransferID: "y", Counts: api.Counts{Clean: 12}},
		{ID: "9", State: api.Failed, Reason: api.ReasonRefused, Started: t0.Add(-26 * time.Hour), Operator: "ANA"},
	}
}

// login taps the admin control, a PIN and a code.
func login(t *testing.T, k *Kiosk) {
	t.Helper()
	test.Tap(adminButton(t, k))
	tapKeys(t, k, "2468")
	test.Tap(buttonWithText(t, k, "Next"))
	tapKeys(t, k, "123456")
	test.Tap(buttonWithText(t, k, "Log in"))
}
