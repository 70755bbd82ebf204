package guard

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
)

// journalSocket is systemd-journald's native protocol socket.
const journalSocket = "/run/systemd/journal/socket"

// journalHandler sends records to journald's native socket, each
// attribute as a field of its own (SLUICE_DEVICE, SLUICE_DECISION...),
// so that `journalctl SLUICE_DECISION=deny` finds refusals. It falls back
// to fallback when the journal refuses a message.
type journalHandler struct {
	conn     *net.UnixConn
	level    slog.Leveler
	attrs    []slog.Attr
	group    string
	fallback slog.Handler
	mu       *sync.Mutex
}

// journalAvailable says whether stderr already goes to the journal (systemd
// sets JOURNAL_STREAM) and its native socket is there.
func journalAvailable() bool { return journalAvailableAt(journalSocket) }

// journalAvailableAt is journalAvailable with the socket at path.
func journalAvailableAt(path string) bool {
	if os.Getenv("JOURNAL_STREAM") == "" {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}

func newJournalHandler(level slog.Leveler, fallback slog.Handler) (*journalHandler, error) {
	return dialJournal(journalSocket, level, fallback)
}

// dialJournal is newJournalHandler with the socket at path.
func dialJournal(path string, level slog.Leveler, fallback slog.Handler) (*journalHandler, error) {
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &journalHandler{conn: c, level: level, fallback: fallback, mu: &sync.Mutex{}}, nil
}

func (h *journalHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

func (h *journalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append(append([]slog.Attr{}, h.attrs...), as...)
	h2.fallback = h.fallback.WithAttrs(as)
	return &h2
}

func (h *journalHandler) WithGroup(name string) slog.Handler {
	h2 := *h
	h2.group = h.group + name + "_"
	h2.fallback = h.fallback.WithGroup(name)
	return &h2
}

func (h *journalHandler) Handle(ctx context.Context, r slog.Record) error {
	var b bytes.Buffer
	field(&b, "MESSAGE", r.Message)
	field(&b, "PRIORITY", priority(r.Level))
	field(&b, "SYSLOG_IDENTIFIER", "sluice-guard")
	for _, a := range h.attrs {
		h.attr(&b, h.group, a)
	}
	r.Attrs(func(a slog.Attr) bool { h.attr(&b, h.group, a); return true })
	h.mu.Lock()
	_, err := h.conn.Write(b.Bytes())
	h.mu.Unlock()
	if err != nil {
		return h.fallback.Handle(ctx, r)
	}
	return nil
}

func (h *journalHandler) attr(b *bytes.Buffer, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		for _, ga := range v.Group() {
			h.attr(b, prefix+a.Key+"_", ga)
		}
		return
	}
	field(b, "SLUICE_"+journalKey(prefix+a.Key), v.String())
}

// journalKey makes a journal field name: upper-case letters, digits, '_'.
func journalKey(k string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, k)
}

// field writes one field in the native protocol; values holding a
// newline (untrusted serials and labels may) use the binary-safe form.
func field(b *bytes.Buffer, k, v string) {
	if !strings.ContainsRune(v, '\n') {
		b.WriteString(k + "=" + v + "\n")
		return
	}
	b.WriteString(k + "\n")
	binary.Write(b, binary.LittleEndian, uint64(len(v)))
	b.WriteString(v + "\n")
}

func priority(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "3"
	case l >= slog.LevelWarn:
		return "4"
	case l >= slog.LevelInfo:
		return "6"
	}
	return "7"
}
