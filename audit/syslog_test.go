package audit_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/audit"
)

func finished() *audit.Session {
	s := session("S-1", audit.StateDone, t0)
	s.Ended, s.Files, s.Infected = t0.Add(2*time.Second), 3, 1
	s.Operator = `Jo "the" \op]`
	return &s
}

func TestFormat(t *testing.T) {
	got := string(audit.Format(audit.Event{MsgID: "SESSION", Severity: audit.SevWarning,
		Params: []audit.Param{{Name: "operator", Value: `a"b\c]d`}}, Msg: "hi"}, "st 01", t0))
	want := `<108>1 2025-03-01T12:00:00.000000Z st_01 sluice - SESSION [sluice@32473 operator="a\"b\\c\]d"] hi`
	if got != want {
		t.Errorf("Format =\n%s\nwant\n%s", got, want)
	}
}

func TestSyslogUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s, err := audit.NewSyslog("udp://"+pc.LocalAddr().String(), audit.SyslogOptions{Hostname: "st-01", Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	s.Send(audit.SessionEvent(finished()))
	buf := make([]byte, 4096)
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	msg := string(buf[:n])
	t.Logf("udp: %s", msg)
	for _, w := range []string{"<108>1 ", " st-01 sluice - SESSION [sluice@32473 station=\"st-01\" id=\"S-1\"", `operator="Jo \"the\" \\op\]"`, `infected="1"`, `duration_ms="2000"`,
		`station="st-01"`, `bus="usb"`, `serial="S1"`, `size="8589934592"`, `rules="2025.03.01"`, `engines="yara 4.5"`} {
		if !strings.Contains(msg, w) {
			t.Errorf("message lacks %q", w)
		}
	}
	if err := s.Close(context.Background()); err != nil || s.Dropped() != 0 {
		t.Errorf("Close = %v, dropped %d", err, s.Dropped())
	}
}

// readFrame reads one RFC 6587 octet-counted frame.
func readFrame(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	n, err := r.ReadString(' ')
	if err != nil {
		t.Fatal(err)
	}
	size, _ := strconv.Atoi(strings.TrimSpace(n))
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSyslogTCPReconnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	s, err := audit.NewSyslog("tcp://"+addr, audit.SyslogOptions{Hostname: "st-01", Backoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Send(audit.AnchorEvent(audit.Anchor{Seq: 1, Hash: "ab"}))
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if m := readFrame(t, bufio.NewReader(c)); !strings.Contains(m, `ANCHOR [sluice@32473 seq="1" hash="ab"]`) {
		t.Errorf("first frame = %q", m)
	}
	c.Close()
	ln.Close()
	// The receiver is gone; messages queue and the sender retries.
	for i := range 3 {
		s.Send(audit.Event{MsgID: "T", Severity: audit.SevInfo, Msg: strconv.Itoa(i)})
	}
	time.Sleep(50 * time.Millisecond)
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s not reusable: %v", addr, err)
	}
	defer ln.Close()
	var got []string
	for len(got) == 0 || got[len(got)-1] != "2" {
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		r := bufio.NewReader(c)
		for len(got) == 0 || got[len(got)-1] != "2" {
			m := readFrame(t, r)
			got = append(got, m[strings.LastIndexByte(m, ' ')+1:])
		}
		c.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// A write into a closed peer can succeed once, so "0" may be lost there;
	// "1" and "2" must arrive, in order, after the reconnect.
	if len(got) < 2 || got[len(got)-2] != "1" {
		t.Errorf("received %v, want ... 1 2", got)
	}
}

func TestSyslogDropOldest(t *testing.T) {
	// Nothing listens on this port; the queue fills.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	s, err := audit.NewSyslog("tcp://"+addr, audit.SyslogOptions{QueueSize: 2, Backoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		s.Send(audit.Event{MsgID: "T"})
	}
	if d := s.Dropped(); d != 3 {
		t.Errorf("Dropped() = %d, want 3", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Close(ctx); err == nil {
		t.Error("Close with an unreachable target = nil, want deadline error")
	}
	if d := s.Dropped(); d != 5 {
		t.Errorf("Dropped() after Close = %d, want 5", d)
	}
}

func TestNewSyslogBadTarget(t *testing.T) {
	for _, target := range []string{"", "udp://host", "http://h:1", "tcp://h:1/x", "h:514"} {
		if _, err := audit.NewSyslog(target, audit.SyslogOptions{}); err == nil {
			t.Errorf("NewSyslog(%q) = nil error", target)
		}
	}
}
