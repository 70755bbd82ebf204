// Package scanner is the station's read-once pipeline. It walks a tree
// without following links, reads each regular file once into a private
// spool while hashing it, and inspects the spool copy with every engine:
// hash block and allow lists, the file-type policy, pluggable engines such
// as YARA, and archive members, recursively and within limits. Each file
// ends in exactly one Result with a Verdict and its reasons.
//
// Reading (I/O bound) and inspecting (CPU bound) run in separate
// goroutines, so a slow drive and busy cores overlap; spooled bytes waiting
// for a worker are bounded by a budget. Small objects (files and archive
// members of up to 1 MiB, nearly all of them on real drives) are read
// once into memory and inspected there, which spares a spool file per
// object; larger ones go to spool files and are never held whole in
// memory. The handler still gets a file for each: for a small one, a
// sealed file in memory that nothing can change after it was scanned.
//
// The package never imports go-yara or any other cgo binding: engines are
// injected through the Engine interface, which package scanner/yara
// implements.
package scanner
