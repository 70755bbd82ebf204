// Package yara runs YARA rules over the station's spooled files. It is the
// only package that imports go-yara, and with it cgo and libyara: the rest
// of the tree, the embedded default rules included (rules/builtin), builds
// and tests without a C toolchain.
//
// LoadPaths reads rule files, Compile turns them into Rules, and NewEngine
// wraps Rules in a scanner.Engine the pipeline runs on every object.
//
// libyara 4.2 has sharp edges, handled here so callers need not know them:
//
//   - A libyara compiler is unusable after any error, and the failed file
//     may have left half its rules in it. Compile adds each file in its own
//     namespace to one compiler and, when a file fails, records it as a
//     Reject and rebuilds a fresh compiler from the files accepted so far.
//     One bad file costs its own rules, never the whole set.
//   - Rule text crosses into C as a NUL-terminated string; a file with a
//     NUL byte is rejected rather than silently cut short.
//   - Public rule sets (signature-base) name LOKI's external variables:
//     they are defined at compile time and set per object at scan time,
//     every one of them on every scan, since scanners are reused.
//     "extension" carries the leading dot, as LOKI passes it.
//   - Without SCAN_FLAGS_NO_TRYCATCH, libyara installs a process-wide
//     SIGSEGV/SIGBUS handler around every scan, racy across threads and at
//     odds with the Go runtime. Every scan sets it. The cost: a fault while
//     reading a mapped file kills the process instead of failing one scan,
//     which is why the engine only scans the station's own spool copy,
//     never a file on the drive that could shrink under it.
//   - Objects the pipeline holds in memory (Object.Data) are scanned with
//     yr_scanner_scan_mem over that Go memory: no file is mapped at all.
//     libyara's fixed cost per scan with a large rule set (the modules'
//     objects are rebuilt for every scan, about 0.7 ms with
//     signature-base) remains whatever the object's size.
//   - libyara's timeout is in whole seconds and go-yara truncates; the
//     engine rounds up to at least one second. A timeout, like any other
//     scan error, is returned as an error (ErrTimeout) so the file is
//     blocked: a scan that did not finish never reports clean.
//   - A yara.Scanner must not be shared between goroutines. The engine
//     keeps a free list of them, one per concurrent scan.
//   - C memory is not the garbage collector's: Engine.Close frees the
//     scanners, and Rules.Close frees the rules once no engine uses them.
package yara
