package usbpolicy

import (
	"fmt"

	"github.com/sluice-ot/sluice/internal/usbdesc"
)

// ErrMalformed reports USB descriptors that break the format.
var ErrMalformed = usbdesc.ErrMalformed

// Interface is one USB interface class triple, from any configuration and
// any alternate setting.
type Interface struct{ Class, SubClass, Protocol uint8 }

func (i Interface) String() string {
	return fmt.Sprintf("%02x/%02x/%02x", i.Class, i.SubClass, i.Protocol)
}

// parseDescriptors reads the raw bytes of a sysfs `descriptors` file (see
// package usbdesc, shared with the station's BadUSB check).
func parseDescriptors(b []byte) ([]Interface, error) {
	ifs, err := usbdesc.Parse(b)
	out := make([]Interface, len(ifs))
	for i, f := range ifs {
		out[i] = Interface(f)
	}
	return out, err
}
