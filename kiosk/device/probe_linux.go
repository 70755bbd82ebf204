package device

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// blkidProbe runs `blkid -p -o export DEV`: low-level superblock probing
// that opens the device read-only and bypasses blkid's cache file, so
// nothing is written anywhere. Exit status 2 means nothing was found.
func blkidProbe(dev string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "blkid", "-p", "-o", "export", dev).Output()
	props := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			props[k] = v
		}
	}
	if err != nil {
		return props, fmt.Errorf("blkid %s: %w", dev, err)
	}
	return props, nil
}

// udevControl is systemd-udevd's control socket.
const udevControl = "/run/udev/control"

// udevAlive reports whether systemd-udevd answers on its control socket
// (udevControl unless control is set).
// The socket file, like the /run/udev/data database, outlives a udevd that
// was killed, so its existence proves nothing.
func udevAlive(control string) bool {
	if control == "" {
		control = udevControl
	}
	c, err := net.DialTimeout("unixpacket", control, time.Second)
	if err != nil {
		// A full backlog (udevd busy starting up) is still a live udevd;
		// ECONNREFUSED is a socket nobody listens on.
		return errors.Is(err, syscall.EAGAIN)
	}
	c.Close()
	return true
}
