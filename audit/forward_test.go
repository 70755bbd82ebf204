package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Every line appended after Forward reaches the forwarder with the
// anchor that VerifyAnchor accepts for it, and failures are warnings.
func TestForward(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := OpenLog(path, "st-1", func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	var got []Event
	l.Forward(func(ev Event) { got = append(got, ev) })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.Append("admin.login_failed", map[string]any{"peer": "uid 1000", "reason": "pin"}))
	must(l.Append("rules.import", map[string]any{"version": 3, "result": "installed"}))
	must(l.Append("rules.import", map[string]any{"version": 2, "result": "refused"}))
	head := l.Head()
	must(l.Close())

	if len(got) != 3 {
		t.Fatalf("forwarded %d events, want 3", len(got))
	}
	wantSev := []Severity{SevWarning, SevNotice, SevWarning}
	for i, ev := range got {
		if ev.MsgID != "AUDIT" || ev.Severity != wantSev[i] {
			t.Errorf("event %d: %s severity %d, want AUDIT severity %d", i, ev.MsgID, ev.Severity, wantSev[i])
		}
	}
	last := got[2].Params
	if last[1].Value != "4" || last[2].Value != head.Hash {
		t.Errorf("last event params %v, want seq 4 and hash %s", last, head.Hash)
	}
	if got[0].Msg != `{"peer":"uid 1000","reason":"pin"}` {
		t.Errorf("message = %q, want the line's data", got[0].Msg)
	}
	// The forwarded anchor is one the log verifies against.
	data, err := os.ReadFile(path)
	must(err)
	if _, err := VerifyAnchor(bytes.NewReader(data), head); err != nil {
		t.Errorf("VerifyAnchor with the forwarded anchor: %v", err)
	}
}
