package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/kiosk/api"
)

// TestCancelSession cancels a session through the API while the station
// scans: the session is aborted (cancelled), nothing is published,
// nothing of the drive stays mounted, and the next drive goes through
// while the cancelled one is still in.
func TestCancelSession(t *testing.T) {
	s := newStation(t)
	big := s.bigImage()
	small := s.nextImage()
	s.start()

	from := s.events.mark()
	d := s.attach(big)
	id := s.awaitSession(d.dev, &from)
	// Once files are read, the spool and the staging folder are in use.
	s.awaitProgress(id, &from, 1)
	if len(mountsOf(d.dev)) == 0 {
		t.Fatalf("while session %s scans, no mount of %s is seen: the check after the cancel would prove nothing", id, d.dev)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.client.Cancel(ctx, id); err != nil {
		t.Fatalf("Cancel(%s) while it scans: %v", id, err)
	}
	end := s.awaitState(id, final, &from, 60*time.Second)
	if end.s.State != api.Aborted || end.s.Reason != api.ReasonCancelled {
		t.Errorf("session ended %s (%s: %s), want aborted (cancelled)", end.s.State, end.s.Reason, end.s.Detail)
	}
	if end.s.Progress.FilesDone >= end.s.Progress.FilesTotal {
		t.Errorf("the scan finished (%d/%d files) before the cancel took effect: it came too late to test anything",
			end.s.Progress.FilesDone, end.s.Progress.FilesTotal)
	}
	if end.s.TransferID != "" || end.s.TransferPath != "" {
		t.Errorf("cancelled session names transfer %q at %q", end.s.TransferID, end.s.TransferPath)
	}
	if ents, err := os.ReadDir(s.dest); err != nil || len(ents) != 0 {
		t.Errorf("destination after the cancel holds %v (%v), want nothing", names(ents), err)
	}
	if rec, err := s.client.Session(ctx, id); err != nil || rec.State != api.Aborted || rec.Reason != api.ReasonCancelled {
		t.Errorf("recorded session = %+v, %v, want aborted (cancelled)", rec, err)
	}
	if err := s.client.Cancel(ctx, id); !errors.Is(err, api.ErrNotRunning) {
		t.Errorf("Cancel(%s) once it ended = %v, want %v", id, err, api.ErrNotRunning)
	}
	s.checkReleased()
	if m := mountsOf(d.dev); len(m) > 0 {
		t.Errorf("the cancelled drive %s is still mounted:\n  %s", d.dev, strings.Join(m, "\n  "))
	}

	// The cancelled drive stays in: the station takes the next one all
	// the same.
	n, next := s.runSession(small)
	s.checkDone(next, expected(small.vols))
	s.checkReleased()
	n.detach(t)
	d.detach(t)
	d.awaitGone(t)
}

// mountsOf lists the mounts of dev or one of its partitions (devp1, …),
// wherever they are, in every mount namespace a process is in: the
// daemon's included, and those of FUSE helpers.
func mountsOf(dev string) []string {
	var out []string
	eachMount(func(pid int, ns, line string) {
		// The mount source follows the optional fields and their "-".
		_, after, ok := strings.Cut(line, " - ")
		f := strings.Fields(after)
		if !ok || len(f) < 2 {
			return
		}
		src := unescape(f[1])
		if src == dev || (strings.HasPrefix(src, dev+"p") && isDigits(src[len(dev)+1:])) {
			out = append(out, fmt.Sprintf("%s on %s in %s (seen from pid %d, %s)", src, strings.Fields(line)[4], ns, pid, comm(pid)))
		}
	})
	return out
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
