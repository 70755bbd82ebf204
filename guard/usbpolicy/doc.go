// Package usbpolicy is the device-policy core of sluice-guard: it reads
// USB devices from sysfs, decides from the interface classes of every
// configuration and alternate setting whether each may be used, and
// writes that decision to the device's `authorized` attribute.
//
// Everything is pure Go with the sysfs root injected, so the package
// compiles and tests without cgo, udev or a USB bus. It deliberately does
// not import kiosk/device: that package links go-udev (cgo) through its
// watcher, and the guard's policy must stay testable on its own. The
// descriptors parser here reads hostile bytes and has a fuzz target.
//
// # Decision table
//
// Policy.Decide, in order:
//
//   - descriptors unreadable or malformed, or no interface at all: deny
//     (fail closed);
//   - a hub (every interface class 0x09): authorize, unless 0x09 is in
//     DenyClasses. A hub does nothing by itself, and every device behind it
//     is judged on its own; refusing hubs would lock out the keyboards and
//     drives behind them without making anything safer;
//   - storage (0x08) together with HID (0x03), CDC (0x02, 0x0a), wireless
//     (0xe0), RNDIS (0xef/0x04) or vendor-specific (0xff): deny, the BadUSB
//     pattern;
//   - storage together with any other class, a hub interface included:
//     deny (fail closed);
//   - storage only: verify-media. The device stays unauthorized until the
//     media check authorizes it;
//   - HID allowlisted by Policy.AllowHID (VID:PID, optionally serial and
//     port): authorize;
//   - HID present at boot with Policy.KeepPresentInput: authorize, provided
//     every non-HID interface passes the class lists;
//   - other HID: deny;
//   - anything else: every interface class must be in AllowClasses and
//     none in DenyClasses, otherwise deny. The default is deny.
//
// # Its own writes
//
// Writing `authorized` makes the kernel send a `change` uevent for the
// device. A guard that re-judges that event and writes again loops
// (USBGuard issue #444). Two rules prevent it: Enforcer.Apply writes only
// when the current value differs from the one wanted, so a second Apply of
// the same decision writes nothing; and Enforcer.OwnWrite recognises the
// echo, a `change` event whose device is the same plug-in (same devnum)
// and still holds the value the guard last wrote, so the event loop can
// drop it without judging again.
//
// # Early boot
//
// Enforcer.SetDefault sets authorized_default on every controller when
// the guard starts. An installed system should also boot with
// usbcore.authorized_default=0 on the kernel command line, so devices
// attached before the guard runs, or while it is not running, stay
// unauthorized: if the guard dies, nothing becomes allowed.
package usbpolicy
