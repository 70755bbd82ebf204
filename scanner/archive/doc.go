// Package archive iterates over the members of archive files for the
// scanner: zip, tar, gzip, bzip2 and xz. It reads untrusted bytes and
// trusts none of them: member names are reported as text and never used as
// filesystem paths, links and special files are reported rather than
// followed, and encrypted members are reported rather than skipped.
//
// Limits on depth, member count, expanded bytes and expansion ratio are
// enforced by the caller, which sees every byte of every member through the
// reader passed to its callback.
package archive
