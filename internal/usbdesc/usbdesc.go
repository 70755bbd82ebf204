// Package usbdesc parses the raw USB descriptors Linux exposes in sysfs
// (the `descriptors` file of a USB device), for the station's BadUSB check
// and the endpoint guard alike. The bytes come from the device and are
// hostile: every length is checked. Pure Go, so that neither user links
// cgo for it.
package usbdesc

import (
	"errors"
	"fmt"
)

// USB descriptor types (USB 2.0 §9.4).
const (
	TypeDevice    = 0x01
	TypeConfig    = 0x02
	TypeInterface = 0x04
)

// ErrMalformed reports USB descriptors that break the format.
var ErrMalformed = errors.New("malformed usb descriptors")

// Interface is one USB interface class triple, from any configuration and
// any alternate setting.
type Interface struct{ Class, SubClass, Protocol uint8 }

func (i Interface) String() string {
	return fmt.Sprintf("%02x/%02x/%02x", i.Class, i.SubClass, i.Protocol)
}

// Parse reads the raw bytes of a sysfs `descriptors` file: the
// device descriptor, then every configuration with its interfaces,
// alternate settings and endpoints. It returns each distinct interface
// class triple, in order. The bytes come from the device, so every length
// is checked; an interface outside a configuration, or a configuration
// whose total length disagrees with what follows it, is malformed.
func Parse(b []byte) ([]Interface, error) {
	// The device descriptor is exactly 18 bytes; its length byte comes from
	// the device, and a larger one would skip what follows it.
	if len(b) < 18 || b[0] != 18 || b[1] != TypeDevice {
		return nil, fmt.Errorf("%w: no device descriptor", ErrMalformed)
	}
	var out []Interface
	seen := map[Interface]bool{}
	cfgEnd := -1 // end of the current configuration, -1 before the first
	for off := int(b[0]); off < len(b); {
		if len(b)-off < 2 {
			return out, fmt.Errorf("%w: %d trailing bytes at %d", ErrMalformed, len(b)-off, off)
		}
		n, typ := int(b[off]), b[off+1]
		if n < 2 || n > len(b)-off {
			return out, fmt.Errorf("%w: descriptor at %d has length %d, %d bytes left", ErrMalformed, off, n, len(b)-off)
		}
		d := b[off : off+n]
		switch typ {
		case TypeDevice:
			return out, fmt.Errorf("%w: second device descriptor at %d", ErrMalformed, off)
		case TypeConfig:
			if n < 9 {
				return out, fmt.Errorf("%w: configuration descriptor at %d, length %d", ErrMalformed, off, n)
			}
			if cfgEnd > off {
				return out, fmt.Errorf("%w: configuration at %d starts inside the previous one", ErrMalformed, off)
			}
			total := int(d[2]) | int(d[3])<<8
			if total < n || total > len(b)-off {
				return out, fmt.Errorf("%w: configuration at %d has total length %d, %d bytes left", ErrMalformed, off, total, len(b)-off)
			}
			cfgEnd = off + total
		case TypeInterface:
			if n < 9 {
				return out, fmt.Errorf("%w: interface descriptor at %d, length %d", ErrMalformed, off, n)
			}
			if off >= cfgEnd {
				return out, fmt.Errorf("%w: interface descriptor at %d outside any configuration", ErrMalformed, off)
			}
			i := Interface{Class: d[5], SubClass: d[6], Protocol: d[7]}
			if !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
		}
		off += n
	}
	if cfgEnd > len(b) {
		return out, fmt.Errorf("%w: last configuration cut short", ErrMalformed)
	}
	if cfgEnd < 0 {
		return out, fmt.Errorf("%w: no configuration descriptor", ErrMalformed)
	}
	return out, nil
}
