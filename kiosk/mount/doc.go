// Package mount mounts the partitions of an untrusted drive read-only for
// one session, and takes them down again on every way out.
//
// The drive is hostile: its filesystems may be crafted. Nothing on it is
// executed and it is never written. SetReadOnly sets the kernel's
// read-only flag (BLKROSET) on the whole disk and on each partition before
// anything reads them, so even a filesystem driver that wanted to replay a
// journal or repair a volume gets EROFS. On top of that every mount is
// ro,nosuid,nodev,noexec, with noload for ext3/ext4 (a plain ro mount still
// replays the journal), norecovery for xfs and rescue=nologreplay for
// btrfs. Each mount is made under Root/<session>/<name>, in directories
// created fresh with mode 0700.
//
// The kernel driver is used when /proc/filesystems lists it. Otherwise
// FAT goes to fusefat, exFAT to exfat-fuse and NTFS to ntfs-3g, each run
// read-only in the foreground as a child of the daemon, so the Mounter
// keeps its pid, reaps it and kills it if it hangs. A bind remount then
// forces ro,nosuid,nodev,noexec on the mount point, because some helpers
// drop options they do not know (exfat-fuse drops noexec).
//
// Release unmounts a session, retrying a busy mount and then detaching it
// lazily (MNT_DETACH), waits for the FUSE helpers and removes the
// directories. It never removes recursively: a directory that still held a
// mount would lead into the drive. CleanStale does the same, at daemon
// start, for whatever a killed daemon left under Root, found through
// /proc/self/mountinfo.
//
// # Mount namespace
//
// sluiced keeps the drive's mounts in its own mount namespace, so the host
// (and the kiosk user) never sees them and a crash of the daemon drops them
// with the namespace. The preferred way is the systemd unit: PrivateMounts=yes
// gives the service its own namespace with slave propagation before the
// binary starts, for every thread. Without systemd, the daemon calls
// EnterPrivateNamespace early in main and then re-executes itself: unshare
// only moves the calling OS thread, and Go runs goroutines on many threads,
// but the process exec'd from that thread is single-threaded and starts
// wholly inside the new namespace. Calling EnterPrivateNamespace and
// carrying on without the exec would leave the other threads, and thus
// most goroutines, in the host's namespace.
package mount
