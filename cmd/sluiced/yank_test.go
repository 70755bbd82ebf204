package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/kiosk/api"
)

// TestYankedDrive pulls a drive out while the station scans it: the
// session is aborted (removed), nothing is published, nothing stays
// mounted or attached, and the next drive goes through.
func TestYankedDrive(t *testing.T) {
	s := newStation(t)
	big := s.bigImage()
	small := s.nextImage()
	s.start()

	from := s.events.mark()
	d := s.attach(big)
	id := s.awaitSession(d.dev, &from)
	p := s.awaitProgress(id, &from, 0)
	yank(t, d)
	end := s.awaitState(id, final, &from, 60*time.Second)
	t.Logf("yanked at %d/%d files; the session ended %s (%s) at %d/%d files, %v after the yank",
		p.s.Progress.FilesDone, p.s.Progress.FilesTotal, end.s.State, end.s.Reason,
		end.s.Progress.FilesDone, end.s.Progress.FilesTotal, end.at.Sub(p.at).Round(time.Millisecond))
	if end.s.State != api.Aborted || end.s.Reason != api.ReasonRemoved {
		t.Errorf("session ended %s (%s: %s), want aborted (removed)", end.s.State, end.s.Reason, end.s.Detail)
	}
	if end.s.Progress.FilesDone >= end.s.Progress.FilesTotal {
		t.Errorf("the scan finished (%d/%d files) before the drive was gone: the yank came too late to test anything",
			end.s.Progress.FilesDone, end.s.Progress.FilesTotal)
	}
	if end.s.TransferID != "" || end.s.TransferPath != "" {
		t.Errorf("aborted session names transfer %q at %q", end.s.TransferID, end.s.TransferPath)
	}
	// Nothing at all in the destination: no transfer under its final
	// name, no staging folder.
	if ents, err := os.ReadDir(s.dest); err != nil || len(ents) != 0 {
		t.Errorf("destination after the yank holds %v (%v), want nothing", names(ents), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if rec, err := s.client.Session(ctx, id); err != nil || rec.State != api.Aborted || rec.Reason != api.ReasonRemoved {
		t.Errorf("recorded session = %+v, %v, want aborted (removed)", rec, err)
	}
	s.checkReleased()
	d.awaitGone(t) // the deferred detach completes once the station lets go

	_, next := s.runSession(small)
	s.checkDone(next, expected(small.vols))
}

// yank does to a loop device what pulling a stick does to a disk. losetup
// -d alone is not enough: while the station holds a mount of the device
// the kernel only marks it for detaching at the last close, and sends no
// event. So the media also goes away: the image shrinks to nothing and
// the loop device takes its new size (LOOP_SET_CAPACITY). The kernel then
// sends a change event with a size of 0, and reads fail with EIO, as on a
// pulled stick.
func yank(t *testing.T, d *drive) {
	t.Helper()
	d.detach(t)
	if err := os.Truncate(d.img.path, 0); err != nil {
		t.Fatal(err)
	}
	testenv.Run(t, "losetup", "-c", d.dev)
}

func names(ents []os.DirEntry) []string {
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}
