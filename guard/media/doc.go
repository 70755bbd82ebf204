// Package media is what sluice-guard does with USB storage that its device
// policy sent to media verification: judge the drive, and expose it to
// users read-only only when every volume on it carries a valid transfer
// signed by a trusted station. Check is `sluice-guard check`; Attach is
// the daemon's path.
//
// # The rules
//
// A transfer is the folder .sluice/ at the root of a volume. A volume is
// verified exactly as `sluice verify` verifies it, with transfer.Verify:
// signed by one of Options.Trusted, a well-formed manifest, not expired
// at Options.Now, every listed file present with its size and SHA-256, no
// link, and nothing else there. A volume without .sluice/ is not walked
// at all (reason "no-transfer").
//
// The volumes of a drive are its partitions, plus the whole disk when it
// has no partition (a superfloppy) or when, beside partitions, it carries
// a filesystem of its own or cannot be probed (the host could mount it).
// blkid -p (probe only, no cache) names each volume's content. A volume
// with no signature at all is empty space and does not count. Every other
// volume does: the drive is allowed only when every counted volume holds a
// valid transfer, and there is at least one. Hence:
//
//   - one valid and one unsigned partition: blocked, "mixed-partitions"
//     (a valid transfer must not carry a second, unverified volume in);
//   - a volume that does not mount, or holds something that cannot be
//     verified (LUKS, swap, RAID members, a filesystem type kiosk/mount
//     does not allow): blocked (fail closed);
//   - a volume that could not be probed: blocked;
//   - nothing with a filesystem on the drive: blocked, "no-filesystem".
//
// Result.Reason is "valid" when allowed. Otherwise it is "mixed-partitions"
// when some volume is valid and another not, or else the most severe
// reason of the volumes, in this order: unmountable,
// unsupported-filesystem, timeout, no-filesystem, no-transfer, unsigned,
// malformed-manifest, bad-signature, untrusted-key, comment-mismatch,
// expired, changed-file, missing-file, extra-file, extra-dir, symlink,
// not-regular, unreadable. transfer's problem kinds map to reasons of the
// same name, except that size-mismatch is "changed-file" and
// missing-manifest is "unsigned". Every problem stays in
// Partition.Problems, and each Partition has its own Reason.
//
// # Mounts and namespaces
//
// Before anything reads the drive, the whole disk and each partition get
// the kernel's read-only flag (BLKROSET, kiosk/mount.SetReadOnly). Every
// mount is kiosk/mount's: ro,nosuid,nodev,noexec, noload for ext*, and the
// FUSE drivers (fusefat, exfat-fuse, ntfs-3g) where the kernel lacks the
// filesystem. Images are attached with losetup -r -P, so that their
// partitions are the ones the kernel (and so a host) finds; on a kernel
// without partition parsers, partx adds those libblkid finds. They are
// detached again, and the loop device's read-only flag cleared.
//
// A FAT boot sector can hold a partition table as well: Linux's msdos
// parser then shows a partition hidden inside a superfloppy. That is why
// the whole disk is judged beside its partitions whenever it carries a
// filesystem of its own.
//
// Verification mounts live in a session folder below WorkDir. WorkDir is
// 0700 and has a small tmpfs of its own, mode 0700, with private
// propagation: users cannot enter it, and nothing mounted below it
// propagates to any other mount namespace (a systemd service's, a
// container's), whether or not the host's mounts are shared. That tmpfs
// is made once and left in place: unmounting a private mount does not
// propagate, so taking it down would strand its copies in the namespaces
// that received it when it was made. The mount points are still listed in
// the host's /proc/self/mountinfo, as names only.
//
// The daemon (`sluice-guard run`) verifies in a mount namespace of its
// own, all of its mounts private, and gives Options.HostNS, the users'
// namespace it opened before unsharing. Attach then exposes a valid
// volume by cloning the verified mount (open_tree with OPEN_TREE_CLONE),
// setting the clone ro,nosuid,nodev,noexec (mount_setattr), and moving
// it (move_mount) to ExposeDir/<name> from an OS thread that has joined
// HostNS (unshare CLONE_FS, setns) and is never reused: the thread is
// locked and ends with its goroutine, and is never the main thread,
// whose view /proc/self gives. ExposeDir is a path of HostNS. Users see
// the exposure and nothing else: not even the names of the verification
// mount points. Release unmounts the exposure the same way, then the
// private mounts. Measured on Linux 6.18 with fusefat and ext4: every
// step works, for a FUSE mount and a kernel one alike.
//
// Without HostNS (`sluice-guard check`, tests, a guard not run as root),
// Attach binds the verified mount at ExposeDir/<name> and remounts the
// bind ro,nosuid,nodev,noexec, in the caller's own namespace, which must
// then be the users'. Either way the exposure is the same mount that was
// verified (the same superblock, and for FUSE the same helper process),
// not a second mount of the device. The guard's unit must not use
// PrivateMounts, ProtectSystem, ProtectHome, PrivateTmp, or anything
// else that gives it a namespace of its own: the namespace it starts in
// is the one users see. `sluice-guard check` runs in a private namespace
// (kiosk/mount.EnterPrivateNamespace and a re-exec, as cmd/sluiced does);
// then even WorkDir's tmpfs ends with it.
//
// # Who reads an exposure
//
// Exposures are read-only for everyone: the bind is ro, and so is the
// mount under it. Who may read is decided in two places.
//
// ExposeDir is the gate. prepareExposeDir makes it a real folder owned by
// root and group Options.GID, of mode 0777 masked by Options.Umask
// (default 027, so 0750), never writable but by root, and sets this each
// time the guard starts or exposes. Every exposure is a folder inside it,
// so a user outside GID reaches none, whatever the files inside say.
//
// Inside, FAT, exFAT and NTFS have no owners or modes of their own:
// kiosk/mount gives their files Options.UID and GID, with modes 0777
// masked by Umask (uid=,gid=,umask= of the kernel driver or the FUSE
// helper). Such a umask shares files beyond their owner, so the FUSE
// helpers also get allow_other (FUSE otherwise serves the user that
// mounted it only) and default_permissions (the kernel checks the modes;
// fusefat checks none itself). With the defaults, UID root and GID the
// plant users' group, the group reads and nobody else does.
//
// ext4, xfs and btrfs carry owners, modes and ACLs of their own, which
// the kernel applies as stored on the drive. They are not signed: the
// manifest covers names, sizes and contents, not who may read them. They
// are not remapped either (an idmapped mount maps ranges of ids one to
// one; it cannot make every owner root), and no FUSE driver for them is
// used. So, on such a volume, the gate alone decides who is let in, and
// within GID the drive's own modes decide who reads which file: the
// station publishes files 0644 and folders 0755, so all of GID reads a
// station's transfer; a drive that says 0600 hides a file from the group
// (never from root), one that says 0644 still shows it to GID only.
// Owning a file on a read-only, nosuid, nodev, noexec mount grants
// nothing more than its read bits. iso9660, udf and squashfs are the
// same.
//
// Every way out releases: a blocked drive, a mount that failed, a
// cancelled context, a failed exposure. A busy mount is retried, then
// detached lazily. CleanStale, at daemon start, takes down what a killed
// guard left below WorkDir and ExposeDir. With HostNS, a killed guard's
// exposures stay readable in the users' namespace (they are its mounts,
// holding the verified superblock) until the restarted guard's
// CleanStale unmounts them there; its verification mounts end with its
// private namespace, except that a FUSE helper (kiosk/mount runs it
// without a parent-death signal) outlives the guard and keeps that
// namespace, and the drive, open until the drive goes away.
//
// # What remains
//
//   - The drive is hostile hardware. Its firmware may serve other bytes
//     when read again later (after the page cache drops them) than it
//     served while being verified; nothing at this layer can prevent
//     that. The exposure is read-only, nosuid, nodev and noexec, and the
//     block device stays read-only, which bounds what such bytes can do.
//   - The filesystem code that reads the drive (the kernel's or a FUSE
//     driver's) is the attack surface; the mount options reduce, not
//     remove, it.
//   - fusefat, used where the kernel has no vfat driver (as on the test
//     machines; stock Debian kernels have one), shows a short 8.3 entry
//     whose case flags say lower case ("report.pdf", stored as REPORT.PDF
//     with Windows NT's lower-case bits) in upper case. Such a file then
//     fails verification as missing-file plus extra-file: the drive is
//     blocked, never wrongly allowed. Long names, and names in mixed case,
//     are stored as long (VFAT) entries and read exactly. fusefat also
//     lists the volume label as an empty file at the root; that single
//     artefact is not counted as an extra file (see dropFusefatLabel).
//   - mkfs.ext2/3/4 makes an empty lost+found at the root. That empty,
//     real folder is not counted as an extra folder (dropLostFound);
//     anything fsck put in it is an extra file, and blocks the drive.
//   - Verification reads every file once; a huge drive takes its time.
//     The context, and Options.Timeout (for the whole drive), bound it:
//     the check is abandoned and the mounts released (which aborts a FUSE
//     driver that hangs). transfer.Verify takes no context, so on a
//     kernel filesystem the abandoned walk goes on reading in the
//     background until it ends: the mount is detached lazily at once
//     (gone from every path), but the kernel frees it, and a loop device
//     under it, only then. A cancelled context is an error, never a
//     verdict; a timeout is the verdict "timeout". Neither exposes.
package media
