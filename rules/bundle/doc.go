// Package bundle builds, signs and reads the signed rule bundles admins
// carry to stations: YARA sources, hash block and allow lists and ClamAV
// databases in one tar, with a detached minisign signature by an admin
// key. Build, Sign and Inspect are the office side (sluice rules build,
// sign, inspect); Open is what the station calls on import, before it
// compiles the sources and converts the lists itself.
//
// # Format
//
// docs/RULE-BUNDLE-FORMAT.md is the full description. In short, BUNDLE.tar
// is a plain ustar archive (no PAX or GNU extensions) of regular files,
// sorted by path after bundle.json, each with mode 0644, owner 0:0 without
// names and the bundle's creation time as mtime, so the same inputs and
// creation time always give the same bytes:
//
//	bundle.json              first: format, name, version, created,
//	                         expires, counts, and per member its path,
//	                         kind, size and sha256
//	yara/**/*.{yar,yara}     rule sources; never compiled .yarc
//	hashes/block/*           blocklists, in the format they were given
//	hashes/allow/*           allowlists, likewise
//	clamav/*.{hdb,hsb,ndb,ldb}
//
// BUNDLE.tar.minisig signs the whole tar (prehashed Ed25519), with the
// trusted comment "bundle:<name> version:<n> sha256:<hex of the tar>", so
// "minisign -Vm BUNDLE.tar -p admin.pub" checks it too.
//
// # Reading hostile bundles
//
// A bundle arrives on a drive, so Open treats it as hostile. It checks the
// signature first, over the raw file, and refuses an unsigned bundle
// (ErrUnsigned), one signed by a key not in the trusted list
// (ErrUntrustedKey), and a signature that does not verify or whose trusted
// comment does not name this tar (ErrBadSignature). Only then does it read
// the tar, hashing it again so that a file changed in between fails
// (ErrChanged), and refuses:
//
//   - anything but a plain ustar archive, a truncated one, and non-zero
//     data after its end (ErrMalformed);
//   - member paths that are empty, absolute, or hold "..", "." or empty
//     components, backslashes, NUL, control or non-ASCII bytes, or over
//     255 bytes (ErrUnsafePath);
//   - two members whose paths are equal, or equal but for case
//     (ErrDuplicate);
//   - symbolic and hard links (ErrLink); devices, FIFOs and every other
//     type but regular files and directories, which are ignored
//     (ErrSpecial);
//   - a member over 64 MiB, members over 512 MiB together, more than
//     100,000 members, or a file larger than those allow (ErrTooLarge),
//     judged from the headers before any content is read;
//   - bundle.json missing or not first (ErrNoManifest), with unknown,
//     duplicate or case-variant keys, invalid values or counts that do not
//     add up (ErrBadManifest), or another format version (ErrFormatVersion);
//   - members it does not list (ErrUnlisted), listed members absent
//     (ErrMissing), and a size or sha256 other than listed (ErrMismatch).
//
// As it reads the tar, Open copies it to a private file; once all of the
// above passed, members are served from that copy (Bundle.Reader,
// Bundle.YARA), never from the original, which the drive could change. An
// expired bundle is returned with ErrExpired: the caller decides.
//
// This package links libyara through scanner/yara: Build compiles the
// rule files as the station will, all together, from memory (so an
// include statement is rejected), to reject those that fail.
package bundle
