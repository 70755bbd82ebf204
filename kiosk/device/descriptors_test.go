package device

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-ot/sluice/internal/usbdesc"
)

func TestParseDescriptors(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		n    int
		bad  bool
	}{
		// A device always has a device descriptor first: without one, the
		// file is malformed and the drive is refused (fail closed).
		{"empty", nil, 0, true},
		{"storage", concat(devDesc(0), config(1, storageIf)), 1, false},
		{"alt setting", concat(devDesc(0), config(1, storageIf, ifDesc(0, 1, 0xe0, 1, 1))), 2, false},
		{"zero length", []byte{0, 4}, 0, true},
		{"overlong", concat(devDesc(0), []byte{200, usbdesc.TypeConfig, 0}), 0, true},
		{"short interface", concat(devDesc(0), []byte{5, usbdesc.TypeInterface, 0, 0, 3}), 0, true},
		{"one byte", []byte{9}, 0, true},
		{"device not first", concat(config(1, storageIf), devDesc(0)), 0, true},
	}
	for _, tt := range tests {
		ifs, err := ParseDescriptors(tt.b)
		if len(ifs) != tt.n || (err != nil) != tt.bad || (err != nil && !errors.Is(err, ErrMalformed)) {
			t.Errorf("ParseDescriptors(%s) = %v, %v, want %d interfaces, error %v", tt.name, ifs, err, tt.n, tt.bad)
		}
	}
}

func FuzzParseDescriptors(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "sysfs", "*", "devices", "*", "*", "*", "*", "descriptors"))
	more, _ := filepath.Glob(filepath.Join("testdata", "sysfs", "*", "devices", "*", "*", "*", "*", "*", "descriptors"))
	for _, p := range append(seeds, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ifs, err := ParseDescriptors(b)
		if err == nil && len(ifs) > len(b)/9 {
			t.Errorf("%d interfaces from %d bytes", len(ifs), len(b))
		}
	})
}
