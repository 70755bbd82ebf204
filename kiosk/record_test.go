package kiosk

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/audit"
	"github.com/sluice-ot/sluice/kiosk/api"
)

// The adapter writes what a session did to the real history database and
// audit log, and reads it back for the API.
func TestAuditRecorder(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	h, err := audit.OpenHistory(ctx, filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	logPath := filepath.Join(dir, "audit.log")
	l, err := audit.OpenLog(logPath, "gate-1", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r := &AuditRecorder{History: h, Log: l, Station: "gate-1", Engines: map[string]string{"libyara": "4.2.3"}}

	started := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	s := api.Session{ID: "s1", State: api.Detected, Operator: "badge 7", Started: started,
		Device: api.Device{Device: "/dev/sdb", Bus: "usb", Vendor: "ACME", Serial: "X1", Partitions: []api.Partition{{Name: "p1", FSType: "vfat"}}}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.SessionStarted(ctx, s))
	// The second partition turns out unmountable during the session.
	s.Device.Partitions = append(s.Device.Partitions, api.Partition{Name: "p2", FSType: "ntfs", Label: "DATA", Error: "mount: wrong fs type"})
	must(r.SessionFiles(ctx, "s1", []api.File{{Path: "a.txt", Size: 5, SHA256: strings.Repeat("a", 64), Verdict: "clean", Reasons: []string{}},
		{Path: "e.com", Size: 68, Verdict: "infected", Reasons: []string{"yara: EICAR"}, Cause: "infected:yara/EICAR"}}))
	s.State, s.Ended = api.Done, started.Add(3*time.Second)
	s.Counts = api.Counts{Clean: 1, Infected: 1}
	s.Progress = api.Progress{FilesDone: 2, BytesDone: 73}
	s.TransferID = "t1"
	must(r.SessionEnded(ctx, s))
	must(r.SessionStarted(ctx, api.Session{ID: "s2", State: api.Detected, Started: started.Add(time.Minute)}))
	must(r.SessionEnded(ctx, api.Session{ID: "s2", State: api.Failed, Reason: api.ReasonRefused, Detail: "also a keyboard", Ended: started.Add(time.Minute)}))

	list, err := r.Sessions(ctx, 10)
	if err != nil || len(list) != 2 || list[0].ID != "s2" || list[1].Counts.Infected != 1 || list[1].TransferID != "t1" {
		t.Errorf("Sessions() = %+v, %v; want s2 then s1 with its counts", list, err)
	}
	d, err := r.Session(ctx, "s1")
	if err != nil || len(d.Files) != 2 || d.Operator != "badge 7" || d.State != api.Done || d.Files[0].Cause != "" || d.Files[1].Cause != "infected:yara/EICAR" {
		t.Errorf("Session(s1) = %+v, %v", d, err)
	}
	if want := s.Device.Partitions; !slices.Equal(d.Device.Partitions, want) {
		t.Errorf("Session(s1) partitions = %+v, want %+v as the session ended", d.Device.Partitions, want)
	}
	if d2, err := r.Session(ctx, "s2"); err != nil || d2.Detail != "also a keyboard" || d2.Device.Partitions == nil {
		t.Errorf("Session(s2) = %+v, %v; want its detail kept and an empty partition list", d2, err)
	}
	if _, err := r.Session(ctx, "nope"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("Session(nope) = %v, want ErrNotFound", err)
	}

	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := audit.Verify(bytes.NewReader(raw)); err != nil || n < 4 {
		t.Errorf("audit.Verify = %d lines, %v; want an intact chain", n, err)
	}
	for _, typ := range []string{`"session.start"`, `"session.end"`, `"device.refused"`, `"also a keyboard"`} {
		if !bytes.Contains(raw, []byte(typ)) {
			t.Errorf("audit log lacks %s", typ)
		}
	}
}
