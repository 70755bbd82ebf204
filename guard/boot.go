package guard

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sluice-ot/sluice/guard/usbpolicy"
)

// bootIDPath changes with every boot of the kernel.
const bootIDPath = "/proc/sys/kernel/random/boot_id"

// presentFile remembers which devices were attached when the guard first
// started in this boot. keep_present_input means "present at boot", not
// "present when the guard last restarted": otherwise killing the guard,
// plugging a keyboard in and letting systemd restart it would let that
// keyboard in.
type presentFile struct {
	BootID  string   `json:"boot_id"`
	Devices []plugIn `json:"devices"`
	set     map[plugIn]bool
}

// plugIn identifies one attachment of a device: a device unplugged and
// plugged again gets another devnum.
type plugIn struct {
	Name   string `json:"name"`
	Devnum string `json:"devnum"`
	VID    string `json:"vid"`
	PID    string `json:"pid"`
}

func plugInOf(d usbpolicy.Device) plugIn {
	devnum, _ := readTrim(filepath.Join(d.SysPath, "devnum"))
	return plugIn{Name: d.Name, Devnum: devnum, VID: d.VendorID, PID: d.ProductID}
}

// loadPresent returns the devices present at the guard's first start in
// this boot. On the first start (no file, or one from another boot) it
// records devs and returns them all.
func loadPresent(runDir, bootID string, devs []usbpolicy.Device) (*presentFile, error) {
	p := filepath.Join(runDir, "present.json")
	var pf presentFile
	b, err := os.ReadFile(p)
	switch {
	case err == nil:
		if json.Unmarshal(b, &pf) == nil && pf.BootID == bootID && bootID != "" {
			pf.index()
			return &pf, nil
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	pf = presentFile{BootID: bootID, Devices: []plugIn{}}
	for _, d := range devs {
		pf.Devices = append(pf.Devices, plugInOf(d))
	}
	pf.index()
	b, err = json.Marshal(pf)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return nil, fmt.Errorf("record present devices: %w", err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return nil, fmt.Errorf("record present devices: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return nil, fmt.Errorf("record present devices: %w", err)
	}
	return &pf, nil
}

func (pf *presentFile) index() {
	pf.set = map[plugIn]bool{}
	for _, d := range pf.Devices {
		pf.set[d] = true
	}
}

func (pf *presentFile) has(p plugIn) bool { return p.Devnum != "" && pf.set[p] }

func readBootID() string {
	id, _ := readTrim(bootIDPath)
	return id
}
