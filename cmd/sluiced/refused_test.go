package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/kiosk/api"
)

// TestRefusedDrive inserts a drive that udev describes as storage and a
// keyboard (BadUSB), through the real udev path: the station refuses it
// before mounting anything, says why, audits the refusal, publishes
// nothing, and takes the next drive as usual.
func TestRefusedDrive(t *testing.T) {
	s := newStation(t)
	bad := s.newImage("refused", true, volume{fs: "ext4", label: "REFUSED", mib: 16, files: logs(10)})
	installRefusedRule(t, bad)
	next := s.nextImage()
	s.start()

	d, end := s.runSession(bad)
	if end.State != api.Failed || end.Reason != api.ReasonRefused || !strings.Contains(end.Detail, "keyboard") {
		t.Errorf("session of a storage+keyboard drive ended %s (%s: %s), want failed (refused) saying it is a keyboard",
			end.State, end.Reason, end.Detail)
	}
	if end.Progress.FilesTotal != 0 || end.TransferPath != "" {
		t.Errorf("refused drive: %d files listed, transfer %q; want nothing read or published", end.Progress.FilesTotal, end.TransferPath)
	}
	if ents, err := os.ReadDir(s.dest); err != nil || len(ents) != 0 {
		t.Errorf("destination after the refusal holds %v (%v), want nothing", names(ents), err)
	}
	if m := mountsOf(d.dev); len(m) > 0 {
		t.Errorf("the refused drive %s was mounted:\n  %s", d.dev, strings.Join(m, "\n  "))
	}
	audit, err := os.ReadFile(filepath.Join(s.state, "audit.log"))
	if err != nil || !strings.Contains(string(audit), `"type":"device.refused"`) {
		t.Errorf("audit log has no device.refused line (%v):\n%s", err, audit)
	}

	n, ok := s.runSession(next)
	s.checkDone(ok, expected(next.vols))
	s.checkReleased()
	n.detach(t)
	d.detach(t)
	d.awaitGone(t)
}
