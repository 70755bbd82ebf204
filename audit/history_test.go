package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sluice-ot/sluice/audit"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func openHistory(t testing.TB) *audit.History {
	t.Helper()
	h, err := audit.OpenHistory(context.Background(), filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func session(id, state string, started time.Time) audit.Session {
	return audit.Session{ID: id, Station: "st-01", State: state, Operator: "op",
		Device:  audit.Device{Vendor: "SanDisk", Model: "Cruzer", Serial: "S1", Bus: "usb", Size: 8 << 30},
		Started: started, RulesVersion: "2025.03.01", EngineVersions: map[string]string{"yara": "4.5"}}
}

func TestHistoryRoundTrip(t *testing.T) {
	ctx := context.Background()
	h := openHistory(t)
	want := session("a", audit.StateScanning, t0)
	if err := h.StartSession(ctx, want); err != nil {
		t.Fatal(err)
	}
	files := []audit.FileRecord{
		{Path: "a.txt", Size: 3, SHA256: "ab", Type: "text/plain", Verdict: "clean"},
		{Path: "b.exe", Size: 9, SHA256: "cd", Type: "pe", Verdict: "infected", Reasons: []string{"yara:X"},
			Findings: json.RawMessage(`[{"engine":"yara","rule":"X"}]`), Cause: "infected:yara/X"},
	}
	if err := h.AddFiles(ctx, "a", files); err != nil {
		t.Fatal(err)
	}
	o := audit.Outcome{State: audit.StateDone, Ended: t0.Add(1500 * time.Millisecond), Files: 2, Bytes: 12, Clean: 1, Infected: 1, TransferID: "T1"}
	if err := h.FinishSession(ctx, "a", o); err != nil {
		t.Fatal(err)
	}
	got, gotFiles, err := h.Session(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	want.State, want.Ended, want.Files, want.Bytes, want.Clean, want.Infected, want.TransferID = o.State, o.Ended, 2, 12, 1, 1, "T1"
	if d := cmp.Diff(&want, got); d != "" {
		t.Errorf("Session(a) mismatch (-want +got):\n%s", d)
	}
	if d := cmp.Diff(files, gotFiles); d != "" {
		t.Errorf("Session(a) files mismatch (-want +got):\n%s", d)
	}
	if got.Duration() != 1500*time.Millisecond {
		t.Errorf("Duration() = %v, want 1.5s", got.Duration())
	}
	if _, _, err := h.Session(ctx, "nope"); !errors.Is(err, audit.ErrNoSession) {
		t.Errorf("Session(nope) = %v, want ErrNoSession", err)
	}
}

func TestHistoryReopenAndList(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	h, err := audit.OpenHistory(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"old", "new", "mid"} {
		h.StartSession(ctx, session(id, audit.StateDone, t0.Add(time.Duration([]int{0, 2, 1}[i])*time.Millisecond)))
	}
	h.Close()
	h, err = audit.OpenHistory(ctx, path) // migrations already applied
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	list, err := h.Sessions(ctx, 2, 0)
	if err != nil || len(list) != 2 || list[0].ID != "new" || list[1].ID != "mid" {
		t.Fatalf("Sessions(2, 0) = %v, %v, want new, mid", list, err)
	}
}

func TestMarkInterrupted(t *testing.T) {
	ctx := context.Background()
	h := openHistory(t)
	states := map[string]string{"d": audit.StateDetected, "m": audit.StateMounting, "s": audit.StateScanning,
		"p": audit.StatePublishing, "ok": audit.StateDone, "f": audit.StateFailed, "x": audit.StateAborted}
	for id, st := range states {
		if err := h.StartSession(ctx, session(id, st, t0)); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := h.MarkInterrupted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"d", "m", "p", "s"}, slices.Sorted(slices.Values(ids))); d != "" {
		t.Errorf("MarkInterrupted ids (-want +got):\n%s", d)
	}
	s, _, _ := h.Session(ctx, "s")
	if s.State != audit.StateInterrupted || s.Reason == "" || !s.Ended.IsZero() {
		t.Errorf("Session(s) = %q %q %v, want interrupted with reason, no end", s.State, s.Reason, s.Ended)
	}
	if ids, _ := h.MarkInterrupted(ctx); len(ids) != 0 {
		t.Errorf("second MarkInterrupted = %v, want none", ids)
	}
}

func manyFiles(n int) []audit.FileRecord {
	files := make([]audit.FileRecord, n)
	for i := range files {
		files[i] = audit.FileRecord{Path: fmt.Sprintf("dir/file%05d.dat", i), Size: int64(i),
			SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			Type:   "application/octet-stream", Verdict: "clean", Reasons: []string{}}
	}
	return files
}

func TestAddFiles10000(t *testing.T) {
	ctx := context.Background()
	h := openHistory(t)
	h.StartSession(ctx, session("big", audit.StateScanning, t0))
	if err := h.AddFiles(ctx, "big", manyFiles(10000)); err != nil {
		t.Fatal(err)
	}
	_, files, err := h.Session(ctx, "big")
	if err != nil || len(files) != 10000 || files[9999].Path != "dir/file09999.dat" {
		t.Fatalf("Session(big) = %d files, %v, want 10000 in order", len(files), err)
	}
}

func BenchmarkAddFiles10000(b *testing.B) {
	ctx := context.Background()
	h := openHistory(b)
	files := manyFiles(10000)
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprint("s", i)
		h.StartSession(ctx, session(id, audit.StateScanning, t0))
		if err := h.AddFiles(ctx, id, files); err != nil {
			b.Fatal(err)
		}
	}
}
