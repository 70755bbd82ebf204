package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/transfer"
)

// TestUdevSessions runs one session per kind of drive through the real
// udev path, on one daemon: every filesystem the station reads, several
// partitions, no partition table, and partitions that cannot be mounted.
func TestUdevSessions(t *testing.T) {
	s := newStation(t)
	s.start()
	files := corpus.DemoDrive()
	cases := []struct {
		name  string
		table bool
		vols  []volume
		// bad lists the partitions that must fail to mount.
		bad []string
	}{
		{name: "ext4", table: true, vols: []volume{{fs: "ext4", label: "EXT4STICK", mib: 16, files: files}}},
		{name: "fat32-fuse", table: true, vols: []volume{{fs: "vfat", label: "FATSTICK", mib: 40, files: files}}},
		{name: "exfat-fuse", table: true, vols: []volume{{fs: "exfat", label: "EXSTICK", mib: 16, files: files}}},
		{name: "ntfs-3g", table: true, vols: []volume{{fs: "ntfs", label: "NTSTICK", mib: 16, files: files}}},
		{name: "ext4-and-fat32", table: true, vols: []volume{
			{fs: "ext4", label: "LINUX", mib: 16, files: files[:7]},
			{fs: "vfat", label: "WINDOWS", mib: 40, files: files[7:]},
		}},
		{name: "superfloppy-fat32", vols: []volume{{fs: "vfat", label: "FLOPPY", mib: 40, files: files}}},
		{name: "unmountable-beside-good", table: true, bad: []string{"p2", "p3"}, vols: []volume{
			{fs: "ext4", label: "GOOD", mib: 16, files: files},
			{fs: "broken-ext4", label: "BROKEN", mib: 16, files: files[:2]},
			{fs: "garbage", mib: 4},
		}},
	}
	for _, c := range cases {
		parent := s.t
		t.Run(c.name, func(t *testing.T) {
			s.t = t
			defer func() { s.t = parent }()
			img := s.newImage(c.name, c.table, c.vols...)
			d, end := s.runSession(img)
			s.checkDone(end, expected(c.vols))
			s.checkPartitions(end, c.bad)
			s.checkReleased()
			if c.name == "fat32-fuse" {
				t.Run("volume-label-is-not-a-file", func(t *testing.T) { s.checkNoLabelFile(t, end, "FATSTICK") })
			}
			d.detach(t)
			d.awaitGone(t)
		})
	}
}

// wantFile is a file of a drive and where it goes in the transfer if clean.
type wantFile struct {
	path string // with the partition's folder when the drive has several
	file corpus.File
	// fold: FAT through fusefat shows 8.3 names in upper case (it ignores
	// the lower-case flags that Windows and Linux honour), so names are
	// compared without case.
	fold bool
}

// expected lists the files of a drive's volumes as the station names them.
func expected(vols []volume) []wantFile {
	var out []wantFile
	for i, v := range vols {
		if v.fs == "broken-ext4" || v.fs == "garbage" {
			continue // never mounted, never read
		}
		for _, f := range v.files {
			p := f.Path
			if len(vols) > 1 {
				p = path.Join(fmt.Sprintf("p%d", i+1), p)
			}
			out = append(out, wantFile{path: p, file: f, fold: v.fs == "vfat"})
		}
	}
	return out
}

func (w wantFile) is(p string) bool {
	if w.fold {
		return strings.EqualFold(w.path, p)
	}
	return w.path == p
}

// checkDone checks a session that must end done: every file has the
// verdict the corpus gives it in the station's record, the published
// transfer verifies with the station's key, holds every clean file byte
// for byte and none of the others, and names the drive udev described.
func (s *station) checkDone(end api.Session, want []wantFile) {
	t := s.t
	t.Helper()
	if end.State != api.Done || end.Reason != "" {
		t.Fatalf("session %s ended %s (%s: %s), want done", end.ID, end.State, end.Reason, end.Detail)
	}
	if end.Device.Bus != "usb" || end.Device.Serial != testSerial {
		t.Errorf("session device bus, serial = %q, %q, want usb, %s (from udev)", end.Device.Bus, end.Device.Serial, testSerial)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec, err := s.client.Session(ctx, end.ID)
	if err != nil {
		t.Fatalf("Session(%s): %v", end.ID, err)
	}
	if rec.State != api.Done || rec.Device.Serial != testSerial || rec.TransferPath != end.TransferPath {
		t.Errorf("recorded session = %s, serial %q, transfer %q; the end event said done, %q, %q",
			rec.State, rec.Device.Serial, rec.TransferPath, testSerial, end.TransferPath)
	}
	verdicts := map[string]string{}
	for _, f := range rec.Files {
		verdicts[f.Path] = f.Verdict
	}
	for _, w := range want {
		got := "(not in the record)"
		for p, v := range verdicts {
			if w.is(p) {
				got = v
			}
		}
		if got != w.file.Verdict {
			t.Errorf("verdict on %s = %s, want %s (%s)", w.path, got, w.file.Verdict, w.file.Why)
		}
	}

	if end.TransferPath == "" {
		t.Fatalf("session %s published no transfer", end.ID)
	}
	m, problems, err := transfer.Verify(end.TransferPath, []minisign.PublicKey{s.pub}, transfer.VerifyOptions{})
	if err != nil || len(problems) > 0 {
		t.Fatalf("transfer.Verify(%s) = %v, %v, want a valid transfer", end.TransferPath, problems, err)
	}
	if m.Source.Serial != testSerial {
		t.Errorf("manifest source serial = %q, want %s", m.Source.Serial, testSerial)
	}
	for _, w := range want {
		var found *transfer.File
		for i := range m.Files {
			if w.is(m.Files[i].Path) {
				found = &m.Files[i]
			}
		}
		sum := sha256.Sum256(w.file.Data)
		switch {
		case w.file.Verdict == "clean" && found == nil:
			t.Errorf("clean %s is not in the transfer", w.path)
		case w.file.Verdict == "clean" && found.SHA256 != hex.EncodeToString(sum[:]):
			t.Errorf("transfer's %s has sha256 %s, want the drive's %x", w.path, found.SHA256, sum)
		case w.file.Verdict != "clean" && found != nil:
			t.Errorf("%s %s (%s) is in the transfer", w.file.Verdict, w.path, w.file.Why)
		}
	}
	for _, f := range m.Files {
		if verdicts[f.Path] != "clean" {
			t.Errorf("transfer holds %s, which the record says is %q", f.Path, verdicts[f.Path])
		}
	}
}

// checkPartitions checks that exactly the partitions named in bad carry
// a mount error in the session's last event, and that the history keeps
// them as they ended.
func (s *station) checkPartitions(end api.Session, bad []string) {
	s.t.Helper()
	if d, err := s.client.Session(context.Background(), end.ID); err != nil {
		s.t.Errorf("history of session %s: %v", end.ID, err)
	} else if !slices.Equal(d.Device.Partitions, end.Device.Partitions) {
		s.t.Errorf("history of session %s: partitions %+v, want %+v as it ended", end.ID, d.Device.Partitions, end.Device.Partitions)
	}
	isBad := map[string]bool{}
	for _, b := range bad {
		isBad[b] = true
	}
	for _, p := range end.Device.Partitions {
		if isBad[p.Name] != (p.Error != "") {
			s.t.Errorf("partition %s (%s): error %q, want an error: %v", p.Name, p.FSType, p.Error, isBad[p.Name])
		}
		delete(isBad, p.Name)
	}
	for b := range isBad {
		s.t.Errorf("partition %s is not in the session's device (%+v)", b, end.Device.Partitions)
	}
}

// checkReleased checks that a session that ended left nothing mounted,
// no helper, no staging and no spool file: the station releases all of it
// before it records the end.
func (s *station) checkReleased() {
	s.t.Helper()
	if leaks := s.leaksButLoops(); len(leaks) > 0 {
		s.t.Errorf("after the session ended:\n  %s", strings.Join(leaks, "\n  "))
	}
}

func (s *station) leaksButLoops() []string {
	var out []string
	for _, l := range s.leaks() {
		if !strings.HasPrefix(l, "loop device") {
			out = append(out, l)
		}
	}
	return out
}

// checkNoLabelFile: fusefat lists a FAT volume's label entry as an empty
// regular file at the root, and the station copies it into the transfer,
// although no such file is on the drive as Windows or Linux show it.
func (s *station) checkNoLabelFile(t *testing.T, end api.Session, label string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec, err := s.client.Session(ctx, end.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rec.Files {
		if strings.EqualFold(f.Path, label) {
			t.Errorf("the FAT volume label %q became a %s file of %d bytes in the session (and the transfer): "+
				"fusefat shows the label entry as a file; see the report", f.Path, f.Verdict, f.Size)
		}
	}
}
