package kiosk

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/kiosk/device"
	"github.com/sluice-ot/sluice/transfer"
)

// A transfer share the station cannot write (here a read-only mount: root
// ignores permission bits) fails the session with the destination as the
// reason, leaves nothing in the share, and releases the drive's mounts.
func TestDestinationReadOnly(t *testing.T) {
	r := newRig(t)
	r.st.cfg.Destination = testenv.LoopExt4(t, 16, "ro")
	files := map[string][]byte{"docs/a.txt": []byte("alpha"), "docs/b.txt": []byte("beta")}
	r.events <- device.Event{Kind: device.Inserted, Drive: r.drive(t, "/dev/sdg", files)}
	s := r.waitEnd(t)
	if s.State != api.Failed || s.Reason != api.ReasonDestination || s.TransferPath != "" {
		t.Errorf("session = %+v, want failed: destination", s)
	}
	if !strings.Contains(s.Detail, transfer.ErrReadOnly.Error()) {
		t.Errorf("session detail = %q, want it to say %q", s.Detail, transfer.ErrReadOnly)
	}
	ents, err := os.ReadDir(r.st.cfg.Destination)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "lost+found" {
			t.Errorf("the read-only share holds %s after the session, want nothing", e.Name())
		}
	}
	r.mnt.mu.Lock()
	released := slices.Contains(r.mnt.released, s.ID)
	r.mnt.mu.Unlock()
	if !released {
		t.Errorf("mounts of session %s not released, released = %v", s.ID, r.mnt.released)
	}
}

// A transfer share that is gone (unmounted and removed, or never made)
// is the destination's fault too, not the station's.
func TestDestinationMissing(t *testing.T) {
	r := newRig(t)
	r.st.cfg.Destination = filepath.Join(t.TempDir(), "gone")
	r.events <- device.Event{Kind: device.Inserted, Drive: r.drive(t, "/dev/sdh", map[string][]byte{"a.txt": []byte("alpha")})}
	s := r.waitEnd(t)
	if s.State != api.Failed || s.Reason != api.ReasonDestination || s.TransferPath != "" {
		t.Errorf("session = %+v, want failed: destination", s)
	}
	if _, err := os.Stat(r.st.cfg.Destination); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat(destination) = %v after the session, want it still absent", err)
	}
	r.mnt.mu.Lock()
	released := slices.Contains(r.mnt.released, s.ID)
	r.mnt.mu.Unlock()
	if !released {
		t.Errorf("mounts of session %s not released, released = %v", s.ID, r.mnt.released)
	}
}
