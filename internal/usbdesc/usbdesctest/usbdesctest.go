// Package usbdesctest builds raw USB descriptors, byte by byte as USB 2.0
// §9.6 lays them out, for the recorded sysfs trees of tests.
package usbdesctest

import "github.com/sluice-ot/sluice/internal/usbdesc"

// Device is a device descriptor of the given class (0: per interface),
// VID 0781, PID 5581.
func Device(class uint8) []byte {
	return []byte{18, usbdesc.TypeDevice, 0x00, 0x02, class, 0, 0, 64, 0x81, 0x07, 0x81, 0x55, 0x00, 0x01, 1, 2, 3, 1}
}

// Interface is an interface descriptor with one endpoint.
func Interface(num, alt, class, sub, proto uint8) []byte {
	return []byte{9, usbdesc.TypeInterface, num, alt, 1, class, sub, proto, 0}
}

// Config is configuration value with the interfaces given, each followed
// by one bulk endpoint.
func Config(value uint8, ifaces ...[]byte) []byte {
	var body []byte
	for _, i := range ifaces {
		body = append(body, i...)
		body = append(body, 7, 0x05, 0x81, 0x02, 0x00, 0x02, 0)
	}
	total := 9 + len(body)
	c := []byte{9, usbdesc.TypeConfig, byte(total), byte(total >> 8), uint8(len(ifaces)), value, 0, 0x80, 50}
	return append(c, body...)
}

// Concat joins descriptors.
func Concat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

// Common interfaces: mass storage (SCSI, bulk-only), a boot keyboard, a hub.
var (
	Storage  = Interface(0, 0, 0x08, 0x06, 0x50)
	Keyboard = Interface(0, 0, 0x03, 0x01, 0x01)
	Hub      = Interface(0, 0, 0x09, 0, 0)
)
