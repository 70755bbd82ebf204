package device

import (
	"errors"
	"fmt"
)

// USB descriptor types (USB 2.0 §9.4).
const (
	descDevice    = 0x01
	descConfig    = 0x02
	descInterface = 0x04
)

// ErrMalformed reports USB descriptors that break the format.
var ErrMalformed = errors.New("malformed usb descriptors")

// ParseDescriptors reads the raw bytes of a sysfs `descriptors` file: the
// device descriptor followed by every configuration descriptor with its
// interfaces, alternate settings and endpoints. It returns each distinct
// interface class triple it finds, in order. The bytes come from the
// device itself, so every length is checked; on an error, the interfaces
// found so far are returned with it.
func ParseDescriptors(b []byte) ([]Interface, error) {
	var out []Interface
	seen := map[Interface]bool{}
	for off := 0; off < len(b); {
		if len(b)-off < 2 {
			return out, fmt.Errorf("%w: %d trailing bytes at %d", ErrMalformed, len(b)-off, off)
		}
		n, typ := int(b[off]), b[off+1]
		if n < 2 || n > len(b)-off {
			return out, fmt.Errorf("%w: descriptor at %d has length %d, %d bytes left", ErrMalformed, off, n, len(b)-off)
		}
		d := b[off : off+n]
		switch typ {
		case descDevice:
			if off != 0 || n < 18 {
				return out, fmt.Errorf("%w: device descriptor at %d, length %d", ErrMalformed, off, n)
			}
		case descConfig:
			if n < 9 {
				return out, fmt.Errorf("%w: configuration descriptor at %d, length %d", ErrMalformed, off, n)
			}
		case descInterface:
			if n < 9 {
				return out, fmt.Errorf("%w: interface descriptor at %d, length %d", ErrMalformed, off, n)
			}
			i := Interface{Class: d[5], SubClass: d[6], Protocol: d[7]}
			if !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
		}
		off += n
	}
	return out, nil
}
