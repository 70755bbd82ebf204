package api

import (
	"bytes"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"unsafe"
)

// Under umask 0, a socket bound at its path would be open to everyone
// until Listen's chmod, and a connection made then would outlive it. The
// socket must appear at its path once, with its mode and group already
// set: inotify sees no change of its attributes after it appears.
func TestSocketNeverWider(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	// The process's own group: chown to it needs no root, and Listen
	// still chowns.
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "api.sock")
	// A stale socket, as a daemon that crashed leaves it, to be replaced.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_CREATE|syscall.IN_MOVED_TO|syscall.IN_ATTRIB); err != nil {
		t.Fatal(err)
	}
	ln, err := Listen(sock, g.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket mode = %v, %v; want 0660", fi.Mode(), err)
	}
	var appeared int
	for _, ev := range readInotify(t, fd) {
		if ev.name != "api.sock" {
			continue
		}
		switch {
		case ev.mask&syscall.IN_ATTRIB != 0:
			t.Errorf("the socket's mode or owner changed after it appeared at %s", sock)
		case ev.mask&(syscall.IN_CREATE|syscall.IN_MOVED_TO) != 0:
			appeared++
		}
	}
	if appeared != 1 {
		t.Errorf("the socket appeared %d times at its path, want once", appeared)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("Listen left %d entries in the socket's folder, want the socket only", len(ents))
	}
}

type inotifyEvent struct {
	name string
	mask uint32
}

// readInotify returns the events queued on the non-blocking fd.
func readInotify(t *testing.T, fd int) []inotifyEvent {
	t.Helper()
	var evs []inotifyEvent
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.Read(fd, buf)
		if err == syscall.EAGAIN {
			return evs
		}
		if err != nil {
			t.Fatalf("read inotify: %v", err)
		}
		for b := buf[:n]; len(b) >= syscall.SizeofInotifyEvent; {
			raw := (*syscall.InotifyEvent)(unsafe.Pointer(&b[0]))
			end := syscall.SizeofInotifyEvent + int(raw.Len)
			name := string(bytes.TrimRight(b[syscall.SizeofInotifyEvent:end], "\x00"))
			evs = append(evs, inotifyEvent{name: name, mask: raw.Mask})
			b = b[end:]
		}
	}
}
