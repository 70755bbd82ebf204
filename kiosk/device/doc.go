// Package device finds removable drives as they are inserted and says
// what they are: block device, USB identity, every USB interface the
// device offers in any configuration, partitions and filesystem types.
//
// It is the only package that imports go-udev. Events come from the
// "udev" netlink source when systemd-udevd runs and Config.PreferUdev is
// set (it carries ID_BUS, ID_SERIAL, ID_FS_TYPE and ID_USB_INTERFACES),
// otherwise from the "kernel" source, with the rest read from sysfs, the
// raw USB descriptors and a probe-only `blkid -p`.
//
// Drive.Refusal decides whether a drive is a storage device that also
// exposes interfaces it has no business having (HID, CDC, wireless …),
// the BadUSB pattern. The descriptors parser reads hostile bytes and has
// a fuzz target beside it.
package device
