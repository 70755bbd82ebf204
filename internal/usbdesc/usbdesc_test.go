package usbdesc

import (
	"errors"
	"testing"
)

// stick is a device descriptor, then one configuration holding a mass
// storage interface with two endpoints.
var stick = []byte{
	18, TypeDevice, 0x00, 0x02, 0, 0, 0, 64, 0x81, 0x07, 0x51, 0x55, 0x00, 0x01, 1, 2, 3, 1,
	9, TypeConfig, 32, 0, 1, 1, 0, 0x80, 50,
	9, TypeInterface, 0, 0, 2, 0x08, 0x06, 0x50, 0,
	7, 0x05, 0x81, 2, 0, 2, 0,
	7, 0x05, 0x02, 2, 0, 2, 0,
}

func TestParse(t *testing.T) {
	got, err := Parse(stick)
	if err != nil || len(got) != 1 || got[0] != (Interface{Class: 0x08, SubClass: 0x06, Protocol: 0x50}) {
		t.Errorf("Parse(stick) = %v, %v; want one mass-storage interface", got, err)
	}
	for name, b := range map[string][]byte{
		"empty":          nil,
		"no device":      stick[18:],
		"cut short":      stick[:len(stick)-3],
		"interface only": append(append([]byte{}, stick[:18]...), stick[27:36]...),
		"device only":    stick[:18],
		"long device":    append([]byte{36}, stick[1:]...), // would skip the configuration
	} {
		if _, err := Parse(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%s) error = %v, want ErrMalformed", name, err)
		}
	}
}

// FuzzParse: any bytes end in interfaces or ErrMalformed, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(stick)
	f.Add(stick[:20])
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := Parse(b); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("Parse = %v, want nil or ErrMalformed", err)
		}
	})
}
