package device

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
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
