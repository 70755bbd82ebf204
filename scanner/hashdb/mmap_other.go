//go:build !linux

package hashdb

import (
	"fmt"
	"io"
	"os"
)

// mapFile reads the table into memory where mmap is not wired up. Lookups
// behave the same; only Open costs more.
func mapFile(f *os.File, size int64) ([]byte, func([]byte) error, error) {
	if int64(int(size)) != size {
		return nil, nil, fmt.Errorf("%d bytes do not fit in the address space", size)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, fmt.Errorf("read: %w", err)
	}
	return data, func([]byte) error { return nil }, nil
}
