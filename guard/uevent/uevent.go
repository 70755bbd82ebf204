package uevent

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Actions the kernel sends.
const (
	ActionAdd     = "add"
	ActionRemove  = "remove"
	ActionChange  = "change"
	ActionMove    = "move"
	ActionOnline  = "online"
	ActionOffline = "offline"
	ActionBind    = "bind"
	ActionUnbind  = "unbind"
)

// MaxSize is the largest message Parse accepts. The kernel builds a
// uevent in a 2048-byte environment buffer (UEVENT_BUFFER_SIZE) plus the
// "ACTION@DEVPATH" header, whose device path is at most a page.
const MaxSize = 8192

// maxVars bounds the number of KEY=VALUE pairs (the kernel's
// UEVENT_NUM_ENVP is 64).
const maxVars = 64

// ErrMalformed reports a message that is not a kernel uevent.
var ErrMalformed = errors.New("malformed uevent")

// Event is one kernel uevent.
type Event struct {
	Action    string // add, remove, change, bind...
	DevPath   string // below /sys, starting with "/": /devices/pci0000:00/.../1-2
	Subsystem string // usb, block...
	DevType   string // usb_device, usb_interface, disk, partition; may be empty
	SeqNum    uint64 // the kernel's event sequence number, 0 if absent
	// Env holds every KEY=VALUE pair, the ones above included.
	Env map[string]string
}

// Name is the kernel name of the device: the last element of DevPath.
func (e Event) Name() string {
	return e.DevPath[strings.LastIndexByte(e.DevPath, '/')+1:]
}

func (e Event) String() string {
	return fmt.Sprintf("%s %s (%s)", e.Action, e.DevPath, e.Subsystem)
}

func bad(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// Parse reads one kernel uevent message. It refuses udev's own messages
// (which start "libudev\0"), messages without ACTION, DEVPATH or
// SUBSYSTEM, a header that disagrees with them, duplicate or empty keys,
// a device path that is not a clean absolute path, and messages over
// MaxSize.
func Parse(b []byte) (Event, error) {
	if len(b) > MaxSize {
		return Event{}, bad("%d bytes, more than %d", len(b), MaxSize)
	}
	b = bytes.TrimSuffix(b, []byte{0})
	fields := bytes.Split(b, []byte{0})
	header := string(fields[0])
	at := strings.IndexByte(header, '@')
	if at <= 0 {
		return Event{}, bad("no ACTION@DEVPATH header")
	}
	if len(fields)-1 > maxVars {
		return Event{}, bad("more than %d variables", maxVars)
	}
	ev := Event{Env: make(map[string]string, len(fields)-1)}
	for _, f := range fields[1:] {
		k, v, ok := bytes.Cut(f, []byte{'='})
		if !ok || len(k) == 0 {
			return Event{}, bad("variable %q is not KEY=VALUE", truncate(f))
		}
		if !validKey(k) {
			return Event{}, bad("invalid key %q", truncate(k))
		}
		key := string(k)
		if _, dup := ev.Env[key]; dup {
			return Event{}, bad("duplicate key %s", key)
		}
		ev.Env[key] = string(v)
	}
	ev.Action, ev.DevPath, ev.Subsystem, ev.DevType = ev.Env["ACTION"], ev.Env["DEVPATH"], ev.Env["SUBSYSTEM"], ev.Env["DEVTYPE"]
	switch {
	case ev.Action == "":
		return Event{}, bad("no ACTION")
	case ev.DevPath == "":
		return Event{}, bad("no DEVPATH")
	case ev.Subsystem == "":
		return Event{}, bad("no SUBSYSTEM")
	case header[:at] != ev.Action || header[at+1:] != ev.DevPath:
		return Event{}, bad("header %q disagrees with ACTION and DEVPATH", truncate([]byte(header)))
	case !validDevPath(ev.DevPath):
		return Event{}, bad("DEVPATH %q is not a clean absolute path", truncate([]byte(ev.DevPath)))
	case !validWord(ev.Action) || !validWord(ev.Subsystem) || (ev.DevType != "" && !validWord(ev.DevType)):
		return Event{}, bad("ACTION, SUBSYSTEM or DEVTYPE has unexpected characters")
	}
	if s, ok := ev.Env["SEQNUM"]; ok {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return Event{}, bad("SEQNUM %q is not a number", truncate([]byte(s)))
		}
		ev.SeqNum = n
	}
	return ev, nil
}

// validKey accepts the kernel's variable names: upper-case letters,
// digits and '_' (add_uevent_var callers use nothing else).
func validKey(k []byte) bool {
	for _, c := range k {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// validWord accepts actions, subsystems and device types: printable
// ASCII without '/', spaces or quotes.
func validWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || c == '/' || c == '"' || c == '\'' || c == '\\' {
			return false
		}
	}
	return s != ""
}

// validDevPath accepts "/a/b/c": absolute, no empty, "." or ".."
// element, printable ASCII only, so a name taken from it cannot leave a
// sysfs directory.
func validDevPath(p string) bool {
	if len(p) < 2 || p[0] != '/' {
		return false
	}
	for _, el := range strings.Split(p[1:], "/") {
		if el == "" || el == "." || el == ".." || !validWord(el) {
			return false
		}
	}
	return true
}

func truncate(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "..."
	}
	return string(b)
}
