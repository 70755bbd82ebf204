//go:build !linux

package hashdb

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
