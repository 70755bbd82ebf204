// Package guard is sluice-guard, the endpoint agent that enforces on plant
// machines what the station decided: the only USB storage allowed is
// storage carrying a transfer signed by a trusted station, and devices of
// dangerous classes stay blocked.
//
// # Flow
//
// RunDaemon opens the kernel uevent socket (guard/uevent) first, then
// Guard.Run sets authorized_default=0 on every USB controller, judges
// every device present, and only then handles the events queued meanwhile
// and those that follow, in order. Each USB device (add, change) is judged
// by guard/usbpolicy and its `authorized` attribute written only when it
// differs. A `change` event that is the echo of the guard's own write is
// dropped (Enforcer.OwnWrite), so the guard never loops on itself
// (USBGuard #444).
//
// Storage-only devices are authorized so that their block device
// appears, while udev keeps desktop automounters away from them
// (packaging/udev/61-sluice-guard.rules). The block devices below the USB
// device in sysfs are then checked by guard/media (read-only, off the
// event loop). `sluice-guard run`, as root, re-executes itself in a
// private mount namespace (ReexecInPrivateNamespace), holding the users'
// namespace open, so its verification mounts are seen by no one; a valid
// drive is carried into the users' namespace read-only under expose_dir, anything else is left unexposed and, with
// deauthorize_invalid (the default), deauthorized. A drive is allowed only
// when every logical unit and every partition is valid: one unsigned
// partition next to a valid one blocks the whole device.
//
// keep_present_input keeps the HID devices attached when the guard first
// started in this boot (recorded under run_dir, keyed by the device's
// devnum), not those attached when it restarts: a keyboard plugged in
// while the guard was dead is judged as new.
//
// Every decision is one log record (the journal's native socket under
// systemd, else stderr) and, when configured, one RFC 5424 syslog
// message, naming the device, its VID:PID, serial, port and interface
// classes, the decision and its reason.
//
// # Failure
//
// If the guard is killed, nothing becomes allowed: authorized_default
// stays 0, so new devices stay unauthorized until a restarted guard
// judges them. Stopped cleanly, it also releases exposed media and
// deauthorizes the storage it had authorized. Devices attached before
// the guard first runs in a boot are only safe if the kernel itself
// starts them unauthorized: boot with usbcore.authorized_default=0 on the
// kernel command line (root hubs stay authorized, so keyboards wait for
// the guard, which keeps them with keep_present_input).
package guard
