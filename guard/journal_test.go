package guard

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// journalField is one field of a native-protocol datagram.
type journalField struct{ Name, Value string }

// parseJournal reads a datagram as journald does (systemd's
// journal-native-protocol): "NAME=value\n", or, for a value that may hold
// a newline, "NAME\n", the value's length as a little-endian uint64, the
// value, "\n". It checks names as journald does and refuses anything else.
func parseJournal(b []byte) ([]journalField, error) {
	var out []journalField
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			return out, errors.New("field without a final newline")
		}
		line := string(b[:nl])
		name, value, plain := strings.Cut(line, "=")
		b = b[nl+1:]
		if !plain {
			if len(b) < 8 {
				return out, fmt.Errorf("%s: binary field without its length", name)
			}
			n := binary.LittleEndian.Uint64(b)
			b = b[8:]
			if uint64(len(b)) < n+1 || b[n] != '\n' {
				return out, fmt.Errorf("%s: binary field of %d bytes not followed by a newline", name, n)
			}
			value, b = string(b[:n]), b[n+1:]
		}
		if err := validJournalName(name); err != nil {
			return out, err
		}
		out = append(out, journalField{name, value})
	}
	return out, nil
}

// validJournalName applies journald's rule for fields a client sends:
// upper-case letters, digits and '_', not starting with a digit or '_'
// (those are journald's own), at most 64 bytes.
func validJournalName(n string) error {
	if n == "" || len(n) > 64 || n[0] == '_' || n[0] >= '0' && n[0] <= '9' {
		return fmt.Errorf("field name %q: journald drops it", n)
	}
	for _, r := range n {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return fmt.Errorf("field name %q: journald drops it", n)
		}
	}
	return nil
}

// fakeJournal is a unix datagram socket in a temporary folder standing in
// for journald's; every datagram it receives is parsed onto ch.
type fakeJournal struct {
	path string
	conn *net.UnixConn
	ch   chan []journalField
}

func newFakeJournal(t *testing.T) *fakeJournal {
	t.Helper()
	path := filepath.Join(t.TempDir(), "socket")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	j := &fakeJournal{path: path, conn: c, ch: make(chan []journalField, 256)}
	// Read as the datagrams come: journald's queue is short, and a sender
	// to a full one waits.
	go func() {
		buf := make([]byte, 1<<16)
		for {
			n, err := c.Read(buf)
			if err != nil {
				close(j.ch)
				return
			}
			fs, err := parseJournal(buf[:n])
			if err != nil {
				t.Errorf("datagram %q: %v", buf[:n], err)
			}
			j.ch <- fs
		}
	}()
	t.Cleanup(func() { c.Close() })
	return j
}

// next returns the first datagram from now on for which match holds.
func (j *fakeJournal) next(t *testing.T, match func(map[string]string) bool) []journalField {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case fs, ok := <-j.ch:
			if !ok {
				t.Fatal("journal socket closed before the datagram came")
			}
			if match(fieldMap(fs)) {
				return fs
			}
		case <-timeout:
			t.Fatal("no matching datagram in 20s")
		}
	}
}

func fieldMap(fs []journalField) map[string]string {
	m := map[string]string{}
	for _, f := range fs {
		m[f.Name] = f.Value
	}
	return m
}

// tee hands each record to every handler, in order.
type tee []slog.Handler

func (t tee) Enabled(context.Context, slog.Level) bool { return true }
func (t tee) WithAttrs([]slog.Attr) slog.Handler       { panic("tee: WithAttrs unused") }
func (t tee) WithGroup(string) slog.Handler            { panic("tee: WithGroup unused") }

func (t tee) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

// TestJournalField pins the native protocol's two encodings byte by byte:
// a newline in a plain value would end the field, and what follows
// would be read as a field of the device's choosing.
func TestJournalField(t *testing.T) {
	for _, tc := range []struct{ k, v, want string }{
		{"MESSAGE", "usb decision", "MESSAGE=usb decision\n"},
		{"SLUICE_SERIAL", "", "SLUICE_SERIAL=\n"},
		{"SLUICE_SERIAL", `a=b "]\`, "SLUICE_SERIAL=a=b \"]\\\n"},
		{"SLUICE_SERIAL", "SN\nPRIORITY=0", "SLUICE_SERIAL\n\x0d\x00\x00\x00\x00\x00\x00\x00SN\nPRIORITY=0\n"},
		{"SLUICE_LABEL", "\n", "SLUICE_LABEL\n\x01\x00\x00\x00\x00\x00\x00\x00\n\n"},
	} {
		var b bytes.Buffer
		field(&b, tc.k, tc.v)
		if got := b.String(); got != tc.want {
			t.Errorf("field(%q, %q) = %q, want %q", tc.k, tc.v, got, tc.want)
		}
	}
}

// FuzzJournalField: whatever a device puts in a value, journald reads
// back that one field and nothing else.
func FuzzJournalField(f *testing.F) {
	for _, s := range []string{"", "plain", "SN\nPRIORITY=0", "\n", "a\x00b", "\xff\n\n=", strings.Repeat("x\n", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var b bytes.Buffer
		field(&b, "SLUICE_SERIAL", v)
		got, err := parseJournal(b.Bytes())
		if err != nil || !cmp.Equal(got, []journalField{{"SLUICE_SERIAL", v}}) {
			t.Errorf("parseJournal(field(SLUICE_SERIAL, %q)) = %q, %v; want the one field", v, got, err)
		}
	})
}

// TestJournalDecision runs the guard over a stick whose serial and volume
// label try to forge journal fields, and reads what reaches the journal's
// socket for its media-blocked decision: every decision field as a field
// of its own, multi-line values in the binary form, nothing forged.
func TestJournalDecision(t *testing.T) {
	j := newFakeJournal(t)
	r := blockHostileStick(t, func(rp *reporter) {
		jh, err := dialJournal(j.path, slog.LevelInfo, slog.NewTextHandler(&failWriter{t}, nil))
		if err != nil {
			t.Fatal(err)
		}
		// The journal first: once the collector shows the record, the
		// datagram is sent.
		rp.log = slog.New(tee{jh, rp.log.Handler()})
	})
	got := j.next(t, func(m map[string]string) bool {
		return m["SLUICE_DEVICE"] == "1-4" && m["SLUICE_DECISION"] == DecisionMediaBlocked
	})
	want := []journalField{
		{"MESSAGE", "usb decision"},
		{"PRIORITY", "4"},
		{"SYSLOG_IDENTIFIER", "sluice-guard"},
		{"SLUICE_DEVICE", "1-4"},
		{"SLUICE_VID_PID", "0781:5581"},
		{"SLUICE_SERIAL", hostileSerial},
		{"SLUICE_PORT", "1-4"},
		{"SLUICE_CLASSES", "08/06/50"},
		{"SLUICE_TRIGGER", "media"},
		{"SLUICE_DECISION", "media-blocked"},
		{"SLUICE_REASON", r.attrs["reason"]},
		{"SLUICE_AUTHORIZED", "0"},
		{"SLUICE_WROTE", "true"},
		{"SLUICE_PARTITION_SDD1_FSTYPE", "vfat"},
		{"SLUICE_PARTITION_SDD1_LABEL", "DATA"},
		{"SLUICE_PARTITION_SDD1_TRANSFER", "T-0001"},
		{"SLUICE_PARTITION_SDD1_VALID", "true"},
		{"SLUICE_PARTITION_SDD1_PROBLEMS", ""},
		{"SLUICE_PARTITION_SDD2_FSTYPE", "exfat"},
		{"SLUICE_PARTITION_SDD2_LABEL", hostileLabel},
		{"SLUICE_PARTITION_SDD2_TRANSFER", ""},
		{"SLUICE_PARTITION_SDD2_VALID", "false"},
		{"SLUICE_PARTITION_SDD2_PROBLEMS", "extra-file " + hostilePath},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("journal fields of the media-blocked decision (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(r.attrs["reason"], "/dev/sdd: mixed-partitions (sdd1 valid, sdd2 extra-file)") {
		t.Errorf("reason = %q, want the drive's and each volume's", r.attrs["reason"])
	}
}

// failWriter fails the test if the fallback is written to while the
// journal is there.
type failWriter struct{ t *testing.T }

func (w *failWriter) Write(p []byte) (int, error) {
	w.t.Errorf("fallback used while the journal listens: %s", p)
	return len(p), nil
}

// TestJournalFallback: without journald's socket the guard logs text to
// stderr, and a record journald no longer takes (it stopped after the
// guard connected) goes to stderr rather than nowhere.
func TestJournalFallback(t *testing.T) {
	t.Setenv("JOURNAL_STREAM", "8:12345")
	absent := filepath.Join(t.TempDir(), "socket")
	if journalAvailableAt(absent) {
		t.Errorf("journalAvailableAt(%s) = true with no socket there", absent)
	}
	if _, err := dialJournal(absent, slog.LevelInfo, slog.DiscardHandler); err == nil {
		t.Errorf("dialJournal(%s) = nil error with no socket there", absent)
	}

	j := newFakeJournal(t)
	if !journalAvailableAt(j.path) {
		t.Errorf("journalAvailableAt(%s) = false with the socket there", j.path)
	}
	var stderr bytes.Buffer
	jh, err := dialJournal(j.path, slog.LevelInfo, slog.NewTextHandler(&stderr, nil))
	if err != nil {
		t.Fatal(err)
	}
	rp := &reporter{log: slog.New(jh)}
	rec := Record{Device: "1-4", VendorID: "0781", ProductID: "5581", Serial: hostileSerial, Port: "1-4",
		Classes: []string{"08/06/50"}, Trigger: "add", Decision: "deny", Reason: "usb storage: not allowed", Authorized: "0", Wrote: true}
	rp.report(context.Background(), rec)
	j.next(t, func(m map[string]string) bool { return m["SLUICE_DECISION"] == "deny" })
	if stderr.Len() != 0 {
		t.Errorf("stderr while the journal listens = %q, want nothing", stderr.String())
	}

	j.conn.Close() // journald stops
	rp.report(context.Background(), rec)
	out := stderr.String()
	for _, w := range []string{`level=WARN msg="usb decision" device=1-4 vid_pid=0781:5581 serial="SN\"]\\x\nPRIORITY=0" port=1-4`,
		` decision=deny reason="usb storage: not allowed" authorized=0 wrote=true`} {
		if !strings.Contains(out, w) {
			t.Errorf("stderr after the journal went = %q, want it to hold %q", out, w)
		}
	}
	if n := strings.Count(out, "\n"); n != 1 {
		t.Errorf("stderr holds %d lines, want 1 (the serial's newline escaped): %q", n, out)
	}

	// Not under systemd: text on stderr, whatever sockets there are.
	t.Setenv("JOURNAL_STREAM", "")
	stderr.Reset()
	NewLogger(Defaults(), &stderr).Info("usb decision", "device", "1-4")
	if got := stderr.String(); !strings.Contains(got, `msg="usb decision" device=1-4`) {
		t.Errorf("NewLogger without JOURNAL_STREAM wrote %q to stderr, want a text line", got)
	}
}
