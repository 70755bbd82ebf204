//go:build !linux

package device

import (
	"fmt"
	"runtime"
)

func blkidProbe(dev string) (map[string]string, error) {
	return nil, fmt.Errorf("probe %s: not supported on %s", dev, runtime.GOOS)
}

func udevAlive(string) bool { return false }
