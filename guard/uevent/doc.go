// Package uevent reads the kernel's device events (uevents) straight from
// the kernel over netlink (NETLINK_KOBJECT_UEVENT, multicast group 1), in
// pure Go.
//
// sluice-guard uses it instead of libudev: kiosk/device is the project's
// only go-udev importer, and the endpoint guard must not depend on udevd
// being up. Kernel uevents are what the kernel itself guarantees; udev's
// own stream (group 2) is a rebroadcast that a stopped or slow udevd
// delays or loses.
//
// A message is "ACTION@DEVPATH\0KEY=VALUE\0...". Parse treats it as
// hostile input (it has a fuzz target): a message must name its action,
// device path and subsystem, agree with its header, and stay within the
// kernel's size limits. Conn accepts only messages sent by the kernel
// itself (netlink port id 0), so a local process cannot forge an event,
// and it reports a receive-buffer overflow, after which events were lost
// and the consumer must rescan.
package uevent
