// Package audit keeps the station's record of what happened: a
// tamper-evident audit log, the session history, and forwarding of both to
// the plant's syslog/SIEM. It has no cgo and does not depend on the
// scanner; callers translate their results into the plain structs here.
//
// # Audit log format
//
// The log is a file of UTF-8 JSON lines, each ended by one '\n' (0x0A),
// written with one write(2) on an O_APPEND file and fsynced. Each line is
// a JSON object with exactly these keys, in this order, as encoding/json
// marshals them (no spaces):
//
//	{"seq":7,"time":"2025-01-02T03:04:05.123456789Z","prev":"<64 hex>","type":"session.end","station":"st-01","data":{...}}
//
// The fields:
//
//   - seq: 1 for the first line, then +1 per line.
//   - time: RFC 3339 with nanoseconds, UTC, from the injected clock.
//   - prev: lowercase hex SHA-256 of the previous line's bytes including
//     its '\n' (`sed -n 6p audit.log | sha256sum`); for line 1, 64 zeros
//     (Genesis).
//   - type: the event, e.g. session.start, device.refused, admin.login.
//   - station: the station id.
//   - data: an object with the event's fields.
//
// Line 1 of a new log is a log.created event whose data holds a random
// nonce, so no two logs share hashes even if their events are identical.
//
// If the file ends in a partial line (the station lost power mid-write),
// OpenLog cuts that partial line off and appends a log.recovered event
// recording how many bytes were discarded and their SHA-256. Verify, run on
// a file with a partial line, reports it as a torn line.
//
// # Trust model
//
// The chain makes editing, deleting, inserting or reordering any line but
// the last detectable by Verify, provided the attacker cannot rewrite the
// whole file from that point on. Someone with root on the station can
// rewrite the whole chain; the chain only proves consistency. Removing or
// rewriting lines at the end is undetectable by the chain alone. Log.Head
// returns an Anchor (seq and hash of the last line); the daemon should
// send it off the station (the syslog forwarder's anchor event) so that
// VerifyAnchor can later prove the log still reaches that line unchanged.
//
// The log is kept forever and forwarded: callers must never put secrets
// (PINs, TOTP codes, passwords, private keys, tokens) in data.
//
// # History
//
// Sessions and their per-file verdicts are kept in SQLite (pure Go,
// modernc.org/sqlite) in WAL mode; see History.
//
// # Syslog
//
// Syslog forwards RFC 5424 messages over UDP, or TCP with octet-counting
// framing (RFC 6587), without ever blocking the caller; see NewSyslog.
package audit
