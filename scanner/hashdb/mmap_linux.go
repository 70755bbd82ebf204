package hashdb

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps size bytes of f read-only. Lookups jump around the file, so
// the kernel is told not to read ahead: resident memory then grows only
// with the pages lookups touch.
func mapFile(f *os.File, size int64) ([]byte, func([]byte) error, error) {
	if int64(int(size)) != size {
		return nil, nil, fmt.Errorf("%d bytes do not fit in the address space", size)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("mmap: %w", err)
	}
	// Advice only: a failure costs read-ahead, not correctness.
	_ = unix.Madvise(data, unix.MADV_RANDOM)
	return data, unix.Munmap, nil
}
