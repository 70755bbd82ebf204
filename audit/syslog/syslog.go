// Package syslog forwards events to a syslog receiver as RFC 5424
// messages (facility log audit, one structured-data element), over UDP or
// TCP with octet counting, without ever blocking the caller. It is pure
// Go and small, so the endpoint guard links it without the station's
// audit store.
package syslog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Severity is an RFC 5424 severity.
type Severity int

// Severities used by the station.
const (
	SevAlert   Severity = 1
	SevWarning Severity = 4
	SevNotice  Severity = 5
	SevInfo    Severity = 6
)

// facilityLogAudit is RFC 5424 facility 13, "log audit".
const facilityLogAudit = 13

// SDID is the structured-data id of every message (32473 is the
// example private enterprise number reserved for documentation).
const SDID = "sluice@32473"

// Param is one structured-data parameter; order is kept.
type Param struct{ Name, Value string }

// Event is one message to forward.
type Event struct {
	MsgID    string // e.g. SESSION, AUDIT, ANCHOR
	Severity Severity
	Params   []Param
	Msg      string // free text, UTF-8, no BOM
}

// Options configures a Syslog forwarder.
type Options struct {
	Hostname  string           // the station id
	QueueSize int              // messages held while the target is down; default 1000
	Now       func() time.Time // default time.Now
	Backoff   time.Duration    // first reconnect delay; default 500ms, doubling to 30s
}

// Forwarder forwards events to a syslog receiver without blocking the
// caller: Send queues the formatted message, a goroutine delivers it.
// When the queue is full the oldest message is dropped and counted.
type Forwarder struct {
	network, addr string
	opts          Options

	mu      sync.Mutex
	cond    *sync.Cond
	queue   [][]byte
	dropped uint64
	closed  bool
	done    chan struct{}
	stop    chan struct{}
}

// New starts a forwarder to target, "udp://host:port" or
// "tcp://host:port" (octet-counting framing, RFC 6587).
func New(target string, opts Options) (*Forwarder, error) {
	network, addr, err := ParseTarget(target)
	if err != nil {
		return nil, fmt.Errorf("syslog target: %w", err)
	}
	if err := networkAllowed(); err != nil {
		return nil, fmt.Errorf("syslog target %q: %w", target, err)
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	s := &Forwarder{network: network, addr: addr, opts: opts, done: make(chan struct{}), stop: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	go s.run()
	return s, nil
}

// ParseTarget splits a target, "udp://host:port" or "tcp://host:port",
// into its network and address, or says what is wrong with it. The
// daemons' configurations check their targets with it at load.
func ParseTarget(target string) (network, addr string, err error) {
	bad := func(why string) (string, string, error) {
		return "", "", fmt.Errorf("must be udp://host:port or tcp://host:port, not %s (%s)", target, why)
	}
	u, err := url.Parse(target)
	switch {
	case err != nil:
		return bad("not a URL")
	case u.Scheme != "udp" && u.Scheme != "tcp":
		return bad("the scheme must be udp or tcp")
	case u.Opaque != "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "":
		return bad("only a host and a port may follow the scheme")
	case u.Hostname() == "":
		return bad("no host")
	case u.Port() == "":
		return bad("no port")
	}
	if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
		return bad("the port must be from 1 to 65535")
	}
	return u.Scheme, u.Host, nil
}

// networkAllowed checks that this process may open IP sockets at all, so
// that a sandbox forbidding them (systemd's RestrictAddressFamilies
// without AF_INET and AF_INET6) stops the start instead of every message
// being dropped later, unseen.
func networkAllowed() error {
	var errs []error
	for _, a := range []string{"127.0.0.1:0", "[::1]:0"} {
		c, err := net.ListenPacket("udp", a)
		if err == nil {
			c.Close()
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("this process may not open network sockets (is the service sandboxed without AF_INET and AF_INET6?): %w", errors.Join(errs...))
}

// Send queues ev. It never blocks on the network.
func (s *Forwarder) Send(ev Event) {
	msg := Format(ev, s.opts.Hostname, s.opts.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.dropped++
		return
	}
	if len(s.queue) >= s.opts.QueueSize {
		s.queue = s.queue[1:]
		s.dropped++
	}
	s.queue = append(s.queue, msg)
	s.cond.Signal()
}

// Dropped returns how many messages were discarded: queue overflow, or
// still queued when Close gave up.
func (s *Forwarder) Dropped() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Close stops accepting messages and delivers those queued until ctx is
// done; what is left is counted as dropped.
func (s *Forwarder) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		close(s.stop)
		<-s.done
		return fmt.Errorf("syslog close: %w", ctx.Err())
	}
}

func (s *Forwarder) run() {
	defer close(s.done)
	var conn net.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	backoff := s.opts.Backoff
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.cond.Wait()
		}
		if len(s.queue) == 0 {
			s.mu.Unlock()
			return
		}
		msg := s.queue[0]
		s.mu.Unlock()

		err := s.stopped()
		if err == nil && conn == nil {
			conn, err = net.DialTimeout(s.network, s.addr, 5*time.Second)
		}
		if err == nil {
			err = s.write(conn, msg)
		}
		if err != nil {
			if conn != nil {
				conn.Close()
				conn = nil
			}
			select {
			case <-s.stop:
				s.mu.Lock()
				s.dropped += uint64(len(s.queue))
				s.queue = nil
				s.mu.Unlock()
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = s.opts.Backoff
		s.mu.Lock()
		if len(s.queue) > 0 && &s.queue[0][0] == &msg[0] { // not dropped meanwhile
			s.queue = s.queue[1:]
		}
		s.mu.Unlock()
	}
}

func (s *Forwarder) stopped() error {
	select {
	case <-s.stop:
		return context.Canceled
	default:
		return nil
	}
}

func (s *Forwarder) write(conn net.Conn, msg []byte) error {
	conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if s.network == "tcp" {
		msg = append(strconv.AppendInt(nil, int64(len(msg)), 10), append([]byte{' '}, msg...)...)
	}
	_, err := conn.Write(msg)
	return err
}

// Format renders ev as an RFC 5424 message (without transport framing):
//
//	<PRI>1 TIMESTAMP HOSTNAME sluice - MSGID [sluice@32473 name="value"...] MSG
func Format(ev Event, hostname string, t time.Time) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<%d>1 %s %s sluice - %s ", facilityLogAudit*8+int(ev.Severity),
		t.UTC().Format("2006-01-02T15:04:05.000000Z"), header(hostname, 255), header(ev.MsgID, 32))
	if len(ev.Params) == 0 {
		b.WriteString("-")
	} else {
		b.WriteString("[" + SDID)
		for _, p := range ev.Params {
			b.WriteString(" " + header(p.Name, 32) + `="` + sdEscape(p.Value) + `"`)
		}
		b.WriteString("]")
	}
	if ev.Msg != "" {
		b.WriteString(" " + strings.ToValidUTF8(ev.Msg, "\uFFFD"))
	}
	return []byte(b.String())
}

// header makes s a valid header field or SD-NAME: printable US-ASCII
// without space, '=', ']' or '"', at most max bytes, "-" if empty.
func header(s string, max int) string {
	out := []byte(s)
	for i, c := range out {
		if c < 33 || c > 126 || c == '=' || c == ']' || c == '"' {
			out[i] = '_'
		}
	}
	if len(out) > max {
		out = out[:max]
	}
	if len(out) == 0 {
		return "-"
	}
	return string(out)
}

// sdEscape escapes a PARAM-VALUE per RFC 5424 §6.3.3.
func sdEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`).Replace(strings.ToValidUTF8(s, "\uFFFD"))
}
