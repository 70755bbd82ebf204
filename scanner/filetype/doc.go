// Package filetype detects the true type of a file from its content and
// applies the station's file-type policy.
//
// Detection trusts bytes, never names: [Detect] reads a bounded header and
// returns a [Type] whose Category drives the policy and whose Label is the
// LOKI-style name public YARA rules test in the "filetype" external
// variable. Formats that matter for security (executables, scripts,
// shortcuts, containers that can smuggle them) are recognised by this
// package's own checks, in an order where anything that could run wins over
// anything that could be inspected: an MZ header is an executable even when
// the rest of the file also parses as a tar or a zip. Everything else is
// left to github.com/gabriel-vasile/mimetype.
//
// [Ext] reads an extension the way Windows does, and [Policy.Check] turns a
// name, a size and a detected Type into violations: content that would run
// under a name that pretends otherwise, types the station does not let
// through, extensions that Windows or Linux would execute or interpret, and
// names that removable media must never carry (autorun.inf).
package filetype
