// Package kiosk is the station: one session per inserted drive, through
// detected → mounting → scanning → publishing → done, or failed or
// aborted. It ties the device watcher, read-only mounts, the read-once
// scanner, the signed transfer and the record (history, audit log,
// syslog) together, and serves its state to the local API.
//
// Sessions run one at a time; drives inserted meanwhile wait their turn.
// Whatever way a session ends (done, failed, drive pulled out, cancelled,
// daemon stopping) its mounts are released and nothing partial is
// published.
package kiosk
