package device

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tracker turns the noisy stream of block uevents into one Inserted per
// insertion and one Removed per removal. The watcher calls settle once a
// disk has been quiet for Config.Settle, and gone when the disk itself is
// removed. A disk's media is identified by its size and diskseq, so a
// loop device that is detached and attached again within one quiet
// period still yields Removed then Inserted.
//
// sysfs can run ahead of the events. A quiet period that began with one
// medium's removal can end after the next medium arrived but before its
// own events (a loop device reused at once; udevd still busy with its
// rules): identified then, the drive would lack the partitions still to
// come, and once reported it is not identified again. Every block uevent
// carries the disk's DISKSEQ, which grows with each new medium, so the
// tracker keeps the highest one announced per disk and identifies a
// medium only once its events have begun to arrive. The kernel announces
// a few media changes before it counts them (a loop device's backing file
// swapped in place), so a medium still unannounced after one more quiet
// period is identified all the same.
type tracker struct {
	cfg       Config
	inserted  map[string]Drive  // disks reported as Inserted, by name
	media     map[string]string // their media key at insertion
	announced map[string]uint64 // the highest DISKSEQ seen in each disk's events
	deferred  map[string]uint64 // the unannounced DISKSEQ a settle put off, once
	// tableWaits counts the quiet periods a disk with a partition table
	// but no partitions yet has been given, up to maxTableWaits.
	tableWaits map[string]int
}

// maxTableWaits bounds how long a disk whose partition table shows no
// partitions is given for them to appear (each wait is one Config.Settle).
// A kernel adds a real stick's partitions before announcing it; on a loop
// device a tool such as partx adds them after the attach. A table still
// empty after the waits is reported as it is.
const maxTableWaits = 5

func newTracker(cfg Config) *tracker {
	return &tracker{cfg: cfg, inserted: map[string]Drive{}, media: map[string]string{},
		announced: map[string]uint64{}, deferred: map[string]uint64{}, tableWaits: map[string]int{}}
}

// announce records the DISKSEQ property of a uevent for disk name; an
// empty or malformed one (a kernel without diskseq) is ignored.
func (t *tracker) announce(name, diskseq string) {
	if seq, err := strconv.ParseUint(diskseq, 10, 64); err == nil && seq > t.announced[name] {
		t.announced[name] = seq
	}
}

// putOff reports whether settling disk name should wait one more quiet
// period: its medium is newer than any its events have named, so its own
// events are still on their way. It puts a medium off once.
func (t *tracker) putOff(name string) bool {
	known, ok := t.announced[name]
	if !ok {
		return false // the initial scan, or a kernel without diskseq
	}
	seq, err := strconv.ParseUint(readAttr(filepath.Join(t.cfg.SysfsRoot, "class", "block", name, "diskseq")), 10, 64)
	if err != nil || seq <= known || t.deferred[name] == seq {
		return false
	}
	t.deferred[name] = seq
	return true
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
// again asks the caller to settle it once more after a quiet period, even
// if no event comes.
func (t *tracker) settle(name string) (evs []Event, again bool) {
	key := t.mediaKey(name)
	if old, ok := t.media[name]; ok {
		if old == key {
			return nil, false
		}
		evs = t.gone(name)
	}
	if key == "" {
		delete(t.tableWaits, name)
		return evs, false
	}
	if t.putOff(name) {
		t.cfg.Log.Debug("medium not announced yet", "device", name)
		return evs, true
	}
	d, err := identify(t.cfg, name)
	if err != nil {
		t.cfg.Log.Debug("identify", "device", name, "err", err)
		return evs, false
	}
	if !takes(t.cfg, d) {
		return evs, false
	}
	if d.PartitionTable != "" && len(d.Partitions) == 0 && t.tableWaits[name] < maxTableWaits {
		t.tableWaits[name]++
		t.cfg.Log.Debug("partitions not added yet", "device", name, "table", d.PartitionTable)
		return evs, true
	}
	delete(t.tableWaits, name)
	t.inserted[name], t.media[name] = d, key
	t.cfg.Log.Info("drive inserted", "device", d.Device, "bus", d.Bus, "serial", d.Serial)
	return append(evs, Event{Kind: Inserted, Drive: d}), false
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
