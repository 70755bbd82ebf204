package usbpolicy

import (
	"fmt"
	"slices"
	"strings"
)

// USB interface classes the policy names.
const (
	ClassCDC         = 0x02
	ClassHID         = 0x03
	ClassMassStorage = 0x08
	ClassHub         = 0x09
	ClassCDCData     = 0x0a
	ClassWireless    = 0xe0
	ClassMisc        = 0xef
	ClassVendor      = 0xff
)

// Actions of a Decision.
const (
	ActionAuthorize   = "authorize"
	ActionDeny        = "deny"
	ActionVerifyMedia = "verify-media"
)

// Match names a device: VendorID and ProductID (hex, case-insensitive)
// are required; Serial and Port, when set, must match too. Serials can be
// forged by the device; a Port pins the device to a physical socket.
type Match struct {
	VendorID, ProductID string
	Serial, Port        string
}

// Matches reports whether d is the device m names.
func (m Match) Matches(d Device) bool {
	if m.VendorID == "" || m.ProductID == "" {
		return false
	}
	return strings.EqualFold(m.VendorID, d.VendorID) && strings.EqualFold(m.ProductID, d.ProductID) &&
		(m.Serial == "" || m.Serial == d.Serial) && (m.Port == "" || m.Port == d.Port)
}

// Policy says which USB devices the guard authorizes. See the package
// comment for the decision table.
type Policy struct {
	// AllowHID lists the keyboards, mice and other HID devices allowed.
	AllowHID []Match
	// KeepPresentInput keeps HID devices already present when the guard
	// starts, so that installing the guard never locks out the plant's
	// keyboard.
	KeepPresentInput bool
	// AllowClasses and DenyClasses are the interface classes allowed and
	// refused for devices that are neither storage, HID nor hubs. A class
	// in neither list is refused; DenyClasses wins over AllowClasses.
	AllowClasses, DenyClasses []uint8
}

// DefaultPolicy keeps input devices present at boot, allows no other HID
// and no other class: everything that is not a hub, a kept keyboard or
// storage awaiting media verification is refused. CDC, wireless and
// vendor-specific classes are denied explicitly, so adding them to
// AllowClasses alone does not let them in.
func DefaultPolicy() Policy {
	return Policy{
		KeepPresentInput: true,
		DenyClasses:      []uint8{ClassCDC, ClassCDCData, ClassWireless, ClassVendor},
	}
}

// Decision is the verdict on one device. Allow is true only for
// ActionAuthorize: a device sent to ActionVerifyMedia stays unauthorized
// until its media is verified.
type Decision struct {
	Allow  bool
	Action string
	Reason string
}

func deny(format string, a ...any) Decision {
	return Decision{Action: ActionDeny, Reason: fmt.Sprintf(format, a...)}
}

func authorize(format string, a ...any) Decision {
	return Decision{Allow: true, Action: ActionAuthorize, Reason: fmt.Sprintf(format, a...)}
}

// badUSB names what a storage device must not also be.
func badUSB(i Interface) string {
	switch {
	case i.Class == ClassHID:
		return "a keyboard or mouse (HID)"
	case i.Class == ClassCDC, i.Class == ClassCDCData:
		return "a modem or network adapter (CDC)"
	case i.Class == ClassWireless:
		return "a radio (wireless controller)"
	case i.Class == ClassMisc && i.SubClass == 0x04:
		return "a network adapter (RNDIS)"
	case i.Class == ClassVendor:
		return "a vendor-specific interface"
	}
	return ""
}

// Decide judges d. presentAtBoot says the device was attached before the
// guard started.
func (p Policy) Decide(d Device, presentAtBoot bool) Decision {
	if d.Unreadable != "" {
		return deny("descriptors unreadable: %s", d.Unreadable)
	}
	if len(d.Interfaces) == 0 {
		return deny("no usb interface could be read")
	}
	var storage, hid, hubOnly = false, false, true
	var bad, other []string
	for _, i := range d.Interfaces {
		if i.Class != ClassHub {
			hubOnly = false
		}
		switch i.Class {
		case ClassMassStorage:
			storage = true
		case ClassHID:
			hid = true
		}
		if s := badUSB(i); s != "" && !slices.Contains(bad, s) {
			bad = append(bad, s)
		}
		if i.Class != ClassMassStorage {
			other = append(other, i.String())
		}
	}
	switch {
	case hubOnly:
		if slices.Contains(p.DenyClasses, ClassHub) {
			return deny("hub class 09 is denied")
		}
		return authorize("hub: the devices behind it are judged one by one")
	case storage && len(bad) > 0:
		return deny("storage that is also %s: BadUSB", strings.Join(bad, ", "))
	case storage && len(other) > 0:
		return deny("storage combined with other interfaces %s", strings.Join(other, " "))
	case storage:
		return Decision{Action: ActionVerifyMedia, Reason: "usb storage: unauthorized until its media is verified"}
	}
	if hid {
		for _, m := range p.AllowHID {
			if m.Matches(d) {
				return authorize("hid allowlisted as %s:%s", m.VendorID, m.ProductID)
			}
		}
		if !presentAtBoot || !p.KeepPresentInput {
			return deny("hid device not allowlisted")
		}
		if r, ok := p.classesAllowed(d, ClassHID); !ok {
			return deny("input device present at boot, but %s", r)
		}
		return authorize("input device present at boot, kept by keep_present_input")
	}
	if r, ok := p.classesAllowed(d); !ok {
		return deny("%s", r)
	}
	return authorize("every interface class is allowed")
}

// classesAllowed checks each interface of d against the class lists,
// skipping the classes in except.
func (p Policy) classesAllowed(d Device, except ...uint8) (reason string, ok bool) {
	for _, i := range d.Interfaces {
		switch {
		case slices.Contains(except, i.Class):
		case slices.Contains(p.DenyClasses, i.Class):
			return fmt.Sprintf("interface class %02x is denied", i.Class), false
		case !slices.Contains(p.AllowClasses, i.Class):
			return fmt.Sprintf("interface class %02x is not allowed", i.Class), false
		}
	}
	return "", true
}
