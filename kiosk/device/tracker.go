package device

import (
	"os"
	"path/filepath"
	"strings"
)

// tracker turns the noisy stream of block uevents into one Inserted per
// insertion and one Removed per removal. The watcher calls settle once a
// disk has been quiet for Config.Settle, and gone when the disk itself is
// removed. A disk's media is identified by its size and diskseq, so a
// loop device that is detached and attached again within one quiet
// period still yields Removed then Inserted.
type tracker struct {
	cfg      Config
	inserted map[string]Drive  // disks reported as Inserted, by name
	media    map[string]string // their media key at insertion
}

func newTracker(cfg Config) *tracker {
	return &tracker{cfg: cfg, inserted: map[string]Drive{}, media: map[string]string{}}
}

// mediaKey is "" when the disk has no media (size 0, or gone).
func (t *tracker) mediaKey(name string) string {
	dir := filepath.Join(t.cfg.SysfsRoot, "class", "block", name)
	size := readAttr(filepath.Join(dir, "size"))
	if size == "" || size == "0" {
		return ""
	}
	return size + "/" + readAttr(filepath.Join(dir, "diskseq"))
}

// settle reports what changed for disk name since it was last settled.
func (t *tracker) settle(name string) []Event {
	key := t.mediaKey(name)
	var evs []Event
	if old, ok := t.media[name]; ok {
		if old == key {
			return nil
		}
		evs = t.gone(name)
	}
	if key == "" {
		return evs
	}
	d, err := identify(t.cfg, name)
	if err != nil {
		t.cfg.Log.Debug("identify", "device", name, "err", err)
		return evs
	}
	if !t.accept(d) {
		return evs
	}
	t.inserted[name], t.media[name] = d, key
	t.cfg.Log.Info("drive inserted", "device", d.Device, "bus", d.Bus, "serial", d.Serial)
	return append(evs, Event{Kind: Inserted, Drive: d})
}

// gone reports the removal of disk name if it had been reported inserted.
func (t *tracker) gone(name string) []Event {
	d, ok := t.inserted[name]
	if !ok {
		return nil
	}
	delete(t.inserted, name)
	delete(t.media, name)
	t.cfg.Log.Info("drive removed", "device", d.Device)
	return []Event{{Kind: Removed, Drive: d}}
}

// accept keeps USB disks, and loop devices when configured; never the
// station's own disks, never empty devices.
func (t *tracker) accept(d Drive) bool {
	if d.Size <= 0 {
		return false
	}
	switch d.Bus {
	case "usb":
		return true
	case "loop":
		return t.cfg.AcceptLoop
	}
	return false
}

// disks lists the whole disks present in sysfs, for the initial scan.
func (t *tracker) disks() []string {
	ents, err := os.ReadDir(filepath.Join(t.cfg.SysfsRoot, "class", "block"))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if !fileExists(filepath.Join(t.cfg.SysfsRoot, "class", "block", e.Name(), "partition")) {
			out = append(out, e.Name())
		}
	}
	return out
}

// diskOf names the whole disk of a block uevent from its DEVPATH, which
// stays valid after the device is gone from sysfs.
func diskOf(devpath, devtype string) (disk string, isPartition bool) {
	devpath = strings.TrimSuffix(devpath, "/")
	if devtype == "partition" {
		return filepath.Base(filepath.Dir(devpath)), true
	}
	return filepath.Base(devpath), false
}
