// Package hashdb holds the station's hash block and allow lists: it parses
// text lists of digests and compiles them into sorted, fixed-width tables
// that are memory-mapped and looked up in constant time.
//
// The scanner hashes every file with SHA-256 as it spools it, and with
// MD5 or SHA-1 only when a loaded list holds such digests (List.Needs). A
// hit in a blocklist makes the file infected, with the list's name and the
// digest's label; a hit in an allowlist marks it known-good.
//
// # Text lists
//
// Parse reads untrusted text and detects the format of each line, so a
// file may mix them. The algorithm follows from the digest length: 32, 40
// or 64 hex digits for MD5, SHA-1 or SHA-256, in either case.
//
//   - LOKI (signature-base's hash-iocs.txt): "HASH;comment".
//   - sha256sum, sha1sum, md5sum: "HASH  name" or "HASH *name"; the name
//     is the label. A leading backslash marks an escaped name.
//   - MalwareBazaar CSV export: quoted fields, with or without spaces after
//     the commas, in the columns first_seen_utc, sha256_hash, md5_hash,
//     sha1_hash, reporter, file_name, file_type_guess, mime_type,
//     signature, ... The SHA-256 is taken; the label is the signature, or
//     the file name when the signature is "n/a".
//   - VirusShare: one bare MD5 per line.
//
// Blank lines and lines starting with '#' are skipped. Any other line that
// yields no digest (bad hex, a wrong length, a line over 64 KiB, a NUL
// byte, broken CSV) is reported as a LineError with its line number.
// Labels are made valid UTF-8, stripped of control and bidi-override
// characters and cut to 200 bytes.
//
// # Tables
//
// Write compiles entries into a table file; Open maps it read-only and
// reads only its header, so opening costs the same for any size and
// lookups page in what they touch. Load does both for a text list, caching
// the table under the SHA-256 of the text.
//
// All integers are little-endian. The 128-byte header:
//
//	offset size
//	0      8    magic "SLUICEHL"
//	8      4    format version, 1
//	12     4    header size, 128
//	16     8    file size
//	24     72   three section headers, for SHA-256, SHA-1 and MD5, each:
//	              offset 8, record count 8, fan-out bits 4,
//	              record width 4 (digest size + 4)
//	96     8    label pool offset
//	104    8    label pool length
//	112    4    CRC-32C of the body, bytes 128 to the end
//	116    8    zero
//	124    4    CRC-32C of header bytes 0 to 124
//
// A section whose count is 0 is absent. A present section is a fan-out
// index of 2^bits+1 uint32 record numbers, then its records: the digest
// followed by a uint32 offset into the label pool, sorted by digest with
// no duplicates. index[k] is the first record whose digest's top bits
// (of its first four bytes, read big-endian) are at least k, and the last
// element is the count. bits is chosen so that buckets average 64 to 128
// records: a lookup reads two index entries and binary-searches one
// bucket, whatever the size of the list. The label pool starts with the
// empty label at offset 0; each label is a length byte and its bytes.
//
// Open checks the header checksum and that every section and the pool lie
// inside the file, but not the body, which would read every page; a
// corrupt body gives wrong answers, never a panic. Load checks the body
// checksum before it reuses a cached table.
package hashdb
