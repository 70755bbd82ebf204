package transfer

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// userEntries lists dest without the lost+found that mkfs.ext4 creates.
func userEntries(t *testing.T, dest string) []string {
	t.Helper()
	entries, err := os.ReadDir(dest)
	must(t, err)
	var names []string
	for _, e := range entries {
		if e.Name() != "lost+found" {
			names = append(names, e.Name())
		}
	}
	return names
}

// More than fits: a clear ErrNoSpace from Add, and nothing left behind.
func TestFullDestinationDuringAdd(t *testing.T) {
	dest := testenv.LoopExt4(t, 12, "rw")
	_, priv := testKeys(t)
	s, err := Begin(dest, testOptions())
	must(t, err)
	defer s.Abort()
	chunk := bytes.Repeat([]byte("x"), 4<<20)
	var addErr error
	for i := 0; i < 5 && addErr == nil; i++ {
		_, addErr = s.Add("big"+string(rune('a'+i))+".bin", bytes.NewReader(chunk), int64(len(chunk)), digest(chunk))
	}
	if !errors.Is(addErr, ErrNoSpace) || !errors.Is(addErr, syscall.ENOSPC) {
		t.Fatalf("Add on a full destination = %v, want ErrNoSpace wrapping ENOSPC", addErr)
	}
	if !strings.Contains(addErr.Error(), "write transfer: no space left on destination") {
		t.Errorf("error reads %q", addErr)
	}
	if got := userEntries(t, dest); len(got) != 0 {
		t.Errorf("after a failed Add dest holds %v, want nothing (staging removed)", got)
	}
	if _, err := s.Add("more.txt", strings.NewReader("x"), 1, digest([]byte("x"))); !errors.Is(err, ErrNoSpace) {
		t.Errorf("Add after the failure = %v, want the ErrNoSpace again", err)
	}
	if _, err := s.Publish(priv, testInfo()); !errors.Is(err, ErrNoSpace) {
		t.Errorf("Publish after the failure = %v, want ErrNoSpace", err)
	}
	if err := s.Abort(); err != nil {
		t.Errorf("Abort = %v", err)
	}
}

// The files fit, but the directories and manifest do not: Publish fails
// with ErrNoSpace and removes the staging.
func TestFullDestinationDuringPublish(t *testing.T) {
	dest := testenv.LoopExt4(t, 8, "rw")
	_, priv := testKeys(t)
	s, err := Begin(dest, testOptions())
	must(t, err)
	defer s.Abort()
	for _, n := range []string{"a/b/c.txt", "d/e.txt"} {
		if _, err := s.Add(n, strings.NewReader(n), int64(len(n)), digest([]byte(n))); err != nil {
			t.Fatal(err)
		}
	}
	filler, err := os.Create(filepath.Join(dest, "filler"))
	must(t, err)
	for _, size := range []int{64 << 10, 1 << 10} { // then the last partial blocks
		block := bytes.Repeat([]byte{0}, size)
		for err == nil {
			_, err = filler.Write(block)
		}
		err = nil
	}
	filler.Sync()
	filler.Close()
	_, err = s.Publish(priv, testInfo())
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("Publish on a full destination = %v, want ErrNoSpace", err)
	}
	t.Logf("%v", err)
	if got := userEntries(t, dest); len(got) != 1 || got[0] != "filler" {
		t.Errorf("after a failed Publish dest holds %v, want only the filler", got)
	}
}

func TestReadOnlyDestination(t *testing.T) {
	dest := testenv.LoopExt4(t, 8, "ro")
	_, err := Begin(dest, testOptions())
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "destination is read-only") {
		t.Fatalf("Begin on a read-only filesystem = %v, want ErrReadOnly", err)
	}
}

// An immutable directory refuses even root; without root a 0555
// directory does.
func TestUnwritableDestination(t *testing.T) {
	var dest string
	if os.Geteuid() == 0 {
		dest = filepath.Join(testenv.LoopExt4(t, 8, "rw"), "locked")
		must(t, os.Mkdir(dest, 0o755))
		testenv.Run(t, "chattr", "+i", dest)
		t.Cleanup(func() { exec.Command("chattr", "-i", dest).Run() })
	} else {
		dest = t.TempDir()
		must(t, os.Chmod(dest, 0o555))
		t.Cleanup(func() { os.Chmod(dest, 0o755) })
	}
	_, err := Begin(dest, testOptions())
	if !errors.Is(err, ErrNotWritable) || !strings.Contains(err.Error(), "destination is not writable") {
		t.Fatalf("Begin on an unwritable directory = %v, want ErrNotWritable", err)
	}
	t.Logf("%v", err)
}
