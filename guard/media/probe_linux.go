//go:build linux

package media

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// sysfsRoot is where block devices are described; a variable only so that
// the code reads as if it were injected, tests use the real one.
const sysfsRoot = "/sys"

// volume is one block device of a drive that may carry a filesystem.
type volume struct {
	dev  string // /dev/loop0p1
	name string // mount and report name: "p1", "disk"
}

// blockDevice resolves dev (following /dev/disk/by-* links, which are
// trusted udev links) to its /dev node and its sysfs directory.
func blockDevice(dev string) (node, sys string, err error) {
	node, err = filepath.EvalSymlinks(dev)
	if err != nil {
		return "", "", err
	}
	fi, err := os.Stat(node)
	if err != nil {
		return "", "", err
	}
	if fi.Mode()&os.ModeDevice == 0 || fi.Mode()&os.ModeCharDevice != 0 {
		return "", "", fmt.Errorf("%s: not a block device", dev)
	}
	sys, err = filepath.EvalSymlinks(filepath.Join(sysfsRoot, "class", "block", filepath.Base(node)))
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", dev, err)
	}
	if err := sameDevice(node, sys); err != nil {
		return "", "", err
	}
	return node, sys, nil
}

// sameDevice checks that the node is the device sysfs describes, so that a
// name collision in /dev cannot make us judge one device for another.
func sameDevice(node, sys string) error {
	b, err := os.ReadFile(filepath.Join(sys, "dev"))
	if err != nil {
		return fmt.Errorf("%s: %w", node, err)
	}
	maj, min, ok := strings.Cut(strings.TrimSpace(string(b)), ":")
	var st unix.Stat_t
	if err := unix.Stat(node, &st); err != nil {
		return fmt.Errorf("%s: %w", node, err)
	}
	if !ok || maj != strconv.FormatUint(uint64(unix.Major(st.Rdev)), 10) || min != strconv.FormatUint(uint64(unix.Minor(st.Rdev)), 10) {
		return fmt.Errorf("%s: device number %d:%d, sysfs says %s", node, unix.Major(st.Rdev), unix.Minor(st.Rdev), b)
	}
	return nil
}

// isPartition reports whether the sysfs directory is a partition's.
func isPartition(sys string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(sys, "partition"))
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return n, err == nil
}

// partitions lists the partitions of the whole disk at sys, in order,
// waiting briefly for their /dev nodes (partx adds them asynchronously).
func partitions(ctx context.Context, sys string) ([]volume, error) {
	ents, err := os.ReadDir(sys)
	if err != nil {
		return nil, err
	}
	type numbered struct {
		n int
		v volume
	}
	var ps []numbered
	for _, e := range ents {
		n, ok := isPartition(filepath.Join(sys, e.Name()))
		if !ok {
			continue
		}
		ps = append(ps, numbered{n, volume{dev: filepath.Join("/dev", e.Name()), name: "p" + strconv.Itoa(n)}})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].n < ps[j].n })
	out := make([]volume, len(ps))
	for i, p := range ps {
		if err := waitNode(ctx, p.v.dev); err != nil {
			return nil, err
		}
		if err := sameDevice(p.v.dev, filepath.Join(sys, filepath.Base(p.v.dev))); err != nil {
			return nil, err
		}
		out[i] = p.v
	}
	return out, nil
}

func waitNode(ctx context.Context, dev string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := os.Stat(dev)
		if err == nil || !errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// probe is what blkid found on a block device.
type probe struct {
	fsType, usage, label, uuid, ptType string
	err                                error // blkid failed (not: found nothing)
}

// probeDevice runs `blkid -p -o udev DEV`: low-level superblock probing
// that opens the device read-only and bypasses blkid's cache, so nothing
// is written. Exit status 2 means nothing was found. The udev format
// encodes every byte of a label that is not plainly safe as \xHH, so the
// drive's label cannot break the parsing.
func probeDevice(ctx context.Context, dev string) probe {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "blkid", "-p", "-o", "udev", dev)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 2 && ctx.Err() == nil {
		return probe{}
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return probe{err: fmt.Errorf("blkid %s: %w", dev, err)}
	}
	props := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			props[k] = v
		}
	}
	p := probe{
		fsType: props["ID_FS_TYPE"],
		usage:  props["ID_FS_USAGE"],
		label:  decodeUdev(props["ID_FS_LABEL_ENC"]),
		uuid:   decodeUdev(props["ID_FS_UUID_ENC"]),
		ptType: props["ID_PART_TABLE_TYPE"],
	}
	if p.label == "" {
		p.label = props["ID_FS_LABEL"]
	}
	if p.uuid == "" {
		p.uuid = props["ID_FS_UUID"]
	}
	return p
}
