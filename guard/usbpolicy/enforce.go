package usbpolicy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ErrNoControllers reports a sysfs root without any USB controller, where
// SetDefault could protect nothing.
var ErrNoControllers = errors.New("no usb controllers")

// Enforcer writes decisions to sysfs. The zero value with SysfsRoot set is
// ready; an Enforcer is safe for concurrent use.
type Enforcer struct {
	SysfsRoot string // default /sys

	mu      sync.Mutex
	written map[string]ownWrite // the last value written, by device name
}

// ownWrite identifies one write: the value and the device's devnum at
// the time, so that a device plugged into the same port later is not
// mistaken for the one written to.
type ownWrite struct {
	value  int
	devnum string
}

func (e *Enforcer) root() string {
	if e.SysfsRoot == "" {
		return "/sys"
	}
	return e.SysfsRoot
}

// SetDefault writes authorizedDefault to authorized_default of every USB
// controller (root hub usbN): 0 makes new devices start unauthorized. It
// fails if there is no controller or any write fails.
func (e *Enforcer) SetDefault(authorizedDefault int) error {
	ctrls, err := filepath.Glob(filepath.Join(devicesDir(e.root()), "usb*"))
	if err != nil {
		return fmt.Errorf("set authorized_default: %w", err)
	}
	if len(ctrls) == 0 {
		return fmt.Errorf("set authorized_default: %w under %s", ErrNoControllers, e.root())
	}
	var errs []error
	for _, c := range ctrls {
		if err := os.WriteFile(filepath.Join(c, "authorized_default"), []byte(fmt.Sprint(authorizedDefault)), 0); err != nil {
			errs = append(errs, fmt.Errorf("set authorized_default on %s: %w", filepath.Base(c), err))
		}
	}
	return errors.Join(errs...)
}

// Apply makes d's `authorized` attribute match dec: 1 for ActionAuthorize,
// 0 for anything else. It reads the current value first and writes only if
// it differs, so applying the same decision again writes nothing and
// raises no uevent; changed says whether it wrote.
func (e *Enforcer) Apply(d Device, dec Decision) (changed bool, err error) {
	if !validName(d.Name) {
		return false, fmt.Errorf("authorize %q: %w", d.Name, ErrNotDevice)
	}
	want := 0
	if dec.Action == ActionAuthorize {
		want = 1
	}
	dir := filepath.Join(devicesDir(e.root()), d.Name)
	cur, err := readInt(filepath.Join(dir, "authorized"))
	if err != nil {
		return false, fmt.Errorf("authorize %s: %w", d.Name, err)
	}
	if cur == want {
		return false, nil
	}
	devnum, _ := readTrim(filepath.Join(dir, "devnum"))
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := os.WriteFile(filepath.Join(dir, "authorized"), []byte(fmt.Sprint(want)), 0); err != nil {
		return false, fmt.Errorf("authorize %s = %d: %w", d.Name, want, err)
	}
	if e.written == nil {
		e.written = map[string]ownWrite{}
	}
	e.written[d.Name] = ownWrite{value: want, devnum: devnum}
	return true, nil
}

// OwnWrite reports whether a `change` event for devName, whose
// `authorized` now reads value, is the echo of the guard's own write: the
// guard last wrote value to this same plug-in of the device (same devnum).
// The event loop drops such events instead of judging the device again.
// Add events must always be judged; call Forget when a device is removed.
func (e *Enforcer) OwnWrite(devName string, value int) bool {
	if !validName(devName) {
		return false
	}
	e.mu.Lock()
	w, ok := e.written[devName]
	e.mu.Unlock()
	if !ok || w.value != value || w.devnum == "" {
		return false
	}
	devnum, err := readTrim(filepath.Join(devicesDir(e.root()), devName, "devnum"))
	return err == nil && devnum == w.devnum
}

// Forget drops what the Enforcer remembers of devName's writes.
func (e *Enforcer) Forget(devName string) {
	e.mu.Lock()
	delete(e.written, devName)
	e.mu.Unlock()
}

func readTrim(p string) (string, error) {
	b, err := os.ReadFile(p)
	return strings.TrimSpace(string(b)), err
}

func readInt(p string) (int, error) {
	s, err := readTrim(p)
	if err != nil {
		return 0, err
	}
	switch s {
	case "0":
		return 0, nil
	case "1":
		return 1, nil
	}
	return 0, fmt.Errorf("%s reads %q", filepath.Base(p), s)
}
