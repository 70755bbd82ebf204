package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/kiosk/api"
)

// TestKilledDaemon kills sluiced (SIGKILL) while it scans, then starts it
// again with the same configuration: the restart cleans what the killed
// daemon left, records its session as interrupted, scans the drive that
// is still in, and takes the next one. With a kernel mount the mounts die
// with the daemon's mount namespace; with FUSE the helper outlives the
// daemon and keeps that namespace, and its mount, alive until the restart.
func TestKilledDaemon(t *testing.T) {
	for _, c := range []struct {
		name, fs string
		mib      int64
		files    int
	}{
		{"ext4", "ext4", 32, 4000},
		// fusefat reads about 200 files a second here.
		{"fat32-fuse", "vfat", 40, 1000},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newStation(t)
			big := s.newImage("big", true, volume{fs: c.fs, label: "BIG", mib: c.mib, files: append(logs(c.files), corpus.DemoDrive()...)})
			next := s.nextImage()
			s.start()

			from := s.events.mark()
			d := s.attach(big)
			killed := s.awaitSession(d.dev, &from)
			// Once files are read, the spool and the staging folder are in use.
			s.awaitProgress(killed, &from, 1)
			s.kill9()

			left := s.leaksButLoops()
			t.Logf("left by the killed daemon:\n  %s", strings.Join(left, "\n  "))
			staging, _ := filepath.Glob(filepath.Join(s.dest, ".sluice-staging-*"))
			if len(staging) == 0 {
				t.Fatal("the killed daemon left no staging folder: it was not killed mid-scan, and the restart has nothing to clean")
			}
			media := filepath.Join(s.state, "media", killed)
			helpers := processesUnder(media)
			spool, _ := filepath.Glob(filepath.Join(s.state, "spool", "*"))

			from = s.events.mark()
			s.start()
			// The drive is still in: the restarted station scans it anew.
			// Its first events may come before the stream is open.
			again := s.awaitSession(d.dev, &from)
			if again == killed {
				t.Fatalf("the restarted station reports the killed session %s as live", killed)
			}
			end := s.awaitState(again, final, &from, 120*time.Second)

			for _, p := range staging {
				if fileExists(p) {
					t.Errorf("after the restart, %s is still there", p)
				}
			}
			if fileExists(media) {
				t.Errorf("after the restart, the killed session's mount directory %s is still there", media)
			}
			if m := mountsUnder(media); len(m) > 0 {
				t.Errorf("after the restart, the killed session's mounts remain:\n  %s", strings.Join(m, "\n  "))
			}
			if p := s.awaitNoProcesses(media); len(p) > 0 {
				t.Errorf("after the restart, the killed session's FUSE helpers %v still run:\n  %s", helpers, strings.Join(p, "\n  "))
			}
			t.Run("stale-spool-removed", func(t *testing.T) {
				for _, p := range spool {
					if fileExists(p) {
						// The spool holds copies of the drive's files, infected
						// ones included: see the report.
						t.Errorf("after the restart, the killed daemon's spool folder %s is still there", p)
						os.RemoveAll(p) // so that the checks below see the rest
					}
				}
			})
			s.checkInterrupted(killed)
			s.checkDone(end.s, expected(big.vols))
			s.checkReleased()
			d.detach(t)
			d.awaitGone(t)

			_, last := s.runSession(next)
			s.checkDone(last, expected(next.vols))
			if out, code := s.cli("audit", "verify", filepath.Join(s.state, "audit.log")); code != 0 {
				t.Errorf("sluice audit verify after the kill: exit %d\n%s", code, out)
			}
		})
	}
}

// awaitNoProcesses waits a little for processes working under dir to go.
func (s *station) awaitNoProcesses(dir string) []string {
	deadline := time.Now().Add(wait(10 * time.Second))
	for {
		p := processesUnder(dir)
		if len(p) == 0 || time.Now().After(deadline) {
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkInterrupted checks that session id is on record as interrupted,
// through the API and through sluice sessions --json.
func (s *station) checkInterrupted(id string) {
	t := s.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec, err := s.client.Session(ctx, id)
	if err != nil || rec.State != api.Interrupted {
		t.Errorf("killed session on record: %+v, %v, want interrupted", rec, err)
	}
	out, code := s.cli("sessions", "--socket", s.socket, "--json", "--limit", "5")
	var list []api.Session
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil {
		t.Fatalf("sluice sessions --json: exit %d, %v\n%s", code, err, out)
	}
	for _, ss := range list {
		if ss.ID == id {
			if ss.State != api.Interrupted {
				t.Errorf("sluice sessions --json shows the killed session %s as %s, want interrupted", id, ss.State)
			}
			return
		}
	}
	t.Errorf("sluice sessions --json does not list the killed session %s:\n%s", id, out)
}
