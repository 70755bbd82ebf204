package audit

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Genesis is the prev value of line 1.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Event types written by the log itself.
const (
	TypeCreated   = "log.created"
	TypeRecovered = "log.recovered"
)

// entry is one line. Field order is the on-disk order.
type entry struct {
	Seq     int64           `json:"seq"`
	Time    string          `json:"time"`
	Prev    string          `json:"prev"`
	Type    string          `json:"type"`
	Station string          `json:"station"`
	Data    json.RawMessage `json:"data"`
}

// Anchor names one line of a log by its seq and the SHA-256 of its bytes.
// Kept outside the station (syslog, a SIEM), it lets Verify detect lines
// removed from the end, which the chain alone cannot.
type Anchor struct {
	Seq  int64
	Hash string
}

// Log is an append-only, hash-chained audit log. It is safe for
// concurrent use.
type Log struct {
	mu      sync.Mutex
	f       *os.File
	now     func() time.Time
	station string
	seq     int64
	prev    string
	err     error // sticky: after a failed write the tail is unknown
	forward func(Event)
}

// OpenLog opens or creates the log at path (mode 0600) and continues its
// chain. A new log starts with a log.created line carrying a random nonce.
// A torn last line (no final newline: a crash mid-write) is cut off and a
// log.recovered line records its length and SHA-256. A complete but
// unparsable last line is not repaired: that is tampering, not a crash.
func OpenLog(path, station string, now func() time.Time) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	l := &Log{f: f, now: now, station: station, prev: Genesis}
	last, torn, err := readTail(f)
	// The last complete line is checked before a torn tail is cut off: a
	// log that looks tampered with is left exactly as it is, as evidence.
	if err == nil && last != nil {
		var e entry
		if err = json.Unmarshal(last, &e); err != nil || e.Seq < 1 {
			err = fmt.Errorf("last line is not an audit entry (run 'sluice audit verify')")
		}
		l.seq, l.prev = e.Seq, hashLine(last)
	}
	if err == nil && len(torn) > 0 {
		err = truncateTorn(f, int64(len(torn)))
	}
	if err == nil && last == nil {
		nonce := make([]byte, 16)
		rand.Read(nonce)
		err = l.Append(TypeCreated, map[string]string{"nonce": hex.EncodeToString(nonce)})
	}
	if err == nil && len(torn) > 0 {
		sum := sha256.Sum256(torn)
		err = l.Append(TypeRecovered, map[string]any{
			"discarded_bytes": len(torn), "discarded_sha256": hex.EncodeToString(sum[:]),
		})
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open audit log %s: %w", path, err)
	}
	return l, nil
}

// Append writes one line with a single write(2) and fsyncs it. data is
// marshalled as JSON; nil becomes {}. Callers must never pass secrets
// (PINs, TOTP codes, keys, passwords): the log is kept forever and
// forwarded.
func (l *Log) Append(typ string, data any) error {
	raw := json.RawMessage("{}")
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return fmt.Errorf("audit %s: %w", typ, err)
		}
		raw = b
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return fmt.Errorf("audit %s: log unusable after earlier failure: %w", typ, l.err)
	}
	e := entry{Seq: l.seq + 1, Time: l.now().UTC().Format(time.RFC3339Nano), Prev: l.prev,
		Type: typ, Station: l.station, Data: raw}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit %s: %w", typ, err)
	}
	line = append(line, '\n')
	if _, err := l.f.Write(line); err != nil {
		l.err = err
		return fmt.Errorf("audit %s: %w", typ, err)
	}
	if err := l.f.Sync(); err != nil {
		l.err = err
		return fmt.Errorf("audit %s: %w", typ, err)
	}
	l.seq, l.prev = e.Seq, hashLine(line)
	if l.forward != nil {
		l.forward(AuditEvent(typ, e.Seq, l.prev, raw))
	}
	return nil
}

// Head returns the anchor of the last line written.
func (l *Log) Head() Anchor {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Anchor{Seq: l.seq, Hash: l.prev}
}

// Close closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = errors.New("closed")
	}
	return l.f.Close()
}

// hashLine is the chain hash: SHA-256 of the line's bytes including its
// newline, so `sed -n Np audit.log | sha256sum` reproduces it.
func hashLine(line []byte) string {
	if len(line) == 0 || line[len(line)-1] != '\n' {
		line = append(line[:len(line):len(line)], '\n')
	}
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}

// readTail returns the last complete line (with its newline) and any torn
// bytes after it, reading backwards so a large log costs little.
func readTail(f *os.File) (last, torn []byte, err error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := fi.Size()
	const chunk = 64 << 10
	var buf []byte
	for off := size; off > 0; {
		n := int64(chunk)
		if off < n {
			n = off
		}
		off -= n
		b := make([]byte, n)
		if _, err := f.ReadAt(b, off); err != nil && err != io.EOF {
			return nil, nil, err
		}
		buf = append(b, buf...)
		// Need the newline ending the last line and the one before it.
		end := bytes.LastIndexByte(buf, '\n')
		if end < 0 {
			continue
		}
		if start := bytes.LastIndexByte(buf[:end], '\n'); start >= 0 || off == 0 {
			return buf[start+1 : end+1], buf[end+1:], nil
		}
	}
	return nil, buf, nil // empty, or a single torn line
}

func truncateTorn(f *os.File, n int64) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := f.Truncate(fi.Size() - n); err != nil {
		return fmt.Errorf("cut torn last line: %w", err)
	}
	return f.Sync()
}
