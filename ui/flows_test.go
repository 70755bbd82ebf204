package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/ui/model"
)

func TestCancelFlow(t *testing.T) {
	f := &fakeClient{status: idleStatus()}
	k := newKiosk(t, f, screen1280)
	k.status(idleStatus(), nil)
	k.testEvent(t, "progress", scanning(api.Scanning))
	test.Tap(buttonWithText(t, k, "Cancel"))
	if len(f.cancelled) != 0 {
		t.Fatal("cancelled without confirmation")
	}
	golden(t, k, "scanning-confirm")
	test.Tap(buttonWithText(t, k, "No, keep checking"))
	if k.last.Scan.Confirm {
		t.Fatal("still asking after keep")
	}
	test.Tap(buttonWithText(t, k, "Cancel"))
	test.Tap(buttonWithText(t, k, "Yes, stop"))
	if len(f.cancelled) != 1 || f.cancelled[0] != sid {
		t.Fatalf("cancelled = %v, want [%s]", f.cancelled, sid)
	}
	// Progress goes on arriving until the daemon stops: the screen is
	// updated in place and the Cancel button stays disabled.
	s := scanning(api.Scanning)
	s.Progress.FilesDone = 1300
	k.testEvent(t, "progress", s)
	if b := buttonWithText(t, k, "Cancel"); !b.Disabled() {
		t.Error("Cancel is enabled while cancelling")
	}
	if !hasText(k, "Stopping…") {
		t.Error("no sign of the cancel")
	}
	k.testEvent(t, "state", ended(api.Aborted, api.ReasonCancelled, api.Counts{}, ""))
	if k.last.Screen != model.ScreenResult || !hasText(k, "Check stopped") {
		t.Errorf("after the cancel: screen %v", k.last.Screen)
	}
	test.Tap(buttonWithText(t, k, "Done"))
	if k.last.Screen != model.ScreenIdle {
		t.Errorf("after Done: screen %v, want idle", k.last.Screen)
	}
}

func TestLanguageSwitch(t *testing.T) {
	f := &fakeClient{status: idleStatus()}
	k := newKiosk(t, f, screen1280)
	k.status(idleStatus(), nil)
	for _, tt := range []struct{ button, title string }{
		{"Français", "Insérez une clé USB"},
		{"Deutsch", "USB-Stick einstecken"},
		{"Español", "Inserte una memoria USB"},
		{"English", "Insert a USB drive"},
	} {
		test.Tap(buttonWithText(t, k, tt.button))
		if !hasText(k, tt.title) {
			t.Errorf("after %s: no title %q", tt.button, tt.title)
		}
	}
	// The language stays for what comes next.
	test.Tap(buttonWithText(t, k, "Deutsch"))
	k.testEvent(t, "state", ended(api.Done, "", api.Counts{Clean: 2}, "T-1"))
	if !hasText(k, "Alles sauber") || !hasText(k, "2 Dateien übertragen") {
		t.Error("the result is not in German")
	}
}

func TestAdminLoginFlow(t *testing.T) {
	f := &fakeClient{status: idleStatus()}
	adminData(f)
	k := newKiosk(t, f, screen1280)
	k.status(idleStatus(), nil)
	login(t, k)
	if len(f.logins) != 1 || f.logins[0] != [2]string{"2468", "123456"} {
		t.Fatalf("logins = %v", f.logins)
	}
	if k.last.Screen != model.ScreenAdmin {
		t.Fatalf("after login: screen %v, want admin", k.last.Screen)
	}
	if !hasText(k, "plant, installed 2026-11-23 09:30 (active)") {
		t.Error("the admin screen does not list the active bundle")
	}
	test.Tap(buttonWithText(t, k, "Log out"))
	if len(f.logouts) != 1 || f.logouts[0] != "tok" {
		t.Errorf("logouts = %v", f.logouts)
	}
	if k.last.Screen != model.ScreenIdle {
		t.Errorf("after logout: screen %v, want idle", k.last.Screen)
	}
}

func TestOperatorFlow(t *testing.T) {
	f := &fakeClient{status: idleStatus()}
	k := newKiosk(t, f, screen1280)
	st := idleStatus()
	st.OperatorPrompt = api.OperatorPromptBadge
	k.status(st, nil)
	tapKeys(t, k, "4711")
	test.Tap(buttonWithText(t, k, "OK"))
	if len(f.operators) != 1 || f.operators[0] != "4711" {
		t.Fatalf("operators = %v", f.operators)
	}
	if k.last.Screen != model.ScreenIdle || !hasText(k, "Operator: 4711") {
		t.Errorf("after OK: screen %v", k.last.Screen)
	}
}

func TestDaemonAwayAndBack(t *testing.T) {
	f := &fakeClient{status: idleStatus()}
	k := newKiosk(t, f, screen1280)
	k.status(idleStatus(), nil)
	k.status(nil, api.ErrUnreachable)
	if !hasText(k, "Station not ready") {
		t.Fatal("no not-ready screen")
	}
	k.status(idleStatus(), nil)
	if !hasText(k, "Insert a USB drive") {
		t.Error("did not recover")
	}
}
