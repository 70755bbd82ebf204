package device

import "github.com/sluice-ot/sluice/internal/usbdesc"

// ErrMalformed reports USB descriptors that break the format.
var ErrMalformed = usbdesc.ErrMalformed

// ParseDescriptors reads the raw bytes of a sysfs `descriptors` file and
// returns each distinct interface class triple of every configuration and
// alternate setting (see package usbdesc, shared with the endpoint guard).
// On an error, the interfaces found so far are returned with it.
func ParseDescriptors(b []byte) ([]Interface, error) {
	ifs, err := usbdesc.Parse(b)
	out := make([]Interface, len(ifs))
	for i, f := range ifs {
		out[i] = Interface(f)
	}
	return out, err
}
