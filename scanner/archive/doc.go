// Package archive iterates over the members of archive files for the
// scanner: zip, tar, gzip, bzip2 and xz. It reads untrusted bytes and
// trusts none of them: member names are reported as text and never used as
// filesystem paths, links and special files are reported rather than
// followed, and encrypted members are reported rather than skipped.
//
// Limits on depth, member count, expanded bytes and expansion ratio are
// enforced by the caller, which sees every byte of every member through the
// reader passed to its callback. What opening an archive costs before any
// member is read is bounded here: a zip's declared member count
// (Limits.Members) and central directory size (ZipDirMax) are checked from
// its end record before archive/zip reads the directory, and an xz block's
// dictionary (XZDictMax) before it is allocated.
//
// A zip is also refused when a streaming extractor, which reads local
// headers in file order and never the directory, would find something
// the directory does not list or lists otherwise: bytes no member accounts
// for (ErrHiddenData), members sharing bytes (ErrOverlap), or a local
// header that disagrees with its directory entry (ErrHeaderMismatch).
package archive
