package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/audit"
	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/kiosk/api"
)

// TestCLI follows a session with the real sluice CLI over the daemon's
// socket: status while it scans, the session list and one session's
// files once it is done, and an offline check of the transfer. The
// station forwards to a syslog receiver meanwhile.
func TestCLI(t *testing.T) {
	s := newStation(t)
	img := s.newImage("cli", true, volume{fs: "ext4", label: "CLI", mib: 32, files: append(logs(4000), corpus.DemoDrive()...)})
	siem := s.syslogReceiver()
	s.start()

	from := s.events.mark()
	d := s.attach(img)
	id := s.awaitSession(d.dev, &from)
	s.awaitState(id, api.Scanning, &from, 30*time.Second)

	out, code := s.cli("status", "--socket", s.socket, "--json")
	var st api.Status
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil {
		t.Fatalf("sluice status --json: exit %d, %v\n%s", code, err, out)
	}
	if st.State != "busy" || st.Current == nil || st.Current.ID != id || st.StationID != "e2e-station" || st.Version != "e2e-test" {
		t.Errorf("sluice status --json during session %s = %s", id, out)
	}
	out, code = s.cli("status", "--socket", s.socket)
	if code != 0 || !strings.Contains(out, "session   "+id) || !strings.Contains(out, "#"+testSerial) {
		t.Errorf("sluice status during session %s: exit %d\n%s", id, code, out)
	}

	end := s.awaitState(id, final, &from, 120*time.Second)
	s.checkDone(end.s, expected(img.vols))

	out, code = s.cli("sessions", "--socket", s.socket, "--json")
	var list []api.Session
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != 1 {
		t.Fatalf("sluice sessions --json: exit %d, %v, want one session\n%s", code, err, out)
	}
	if got := list[0]; got.ID != id || got.State != api.Done || got.TransferPath != end.s.TransferPath || got.Counts != end.s.Counts {
		t.Errorf("sluice sessions --json = %+v\nwant the session as it ended: %+v", got, end.s)
	}
	out, code = s.cli("sessions", "--socket", s.socket, id)
	for _, want := range []string{"infected eicar.com", "blocked  invoice.pdf", "clean    documents/notes.txt"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("sluice sessions %s: exit %d, want a line %q\n%s", id, code, want, out)
		}
	}
	if out, code := s.cli("status", "--socket", s.socket); code != 0 || !strings.Contains(out, "state     idle") {
		t.Errorf("sluice status after the session: exit %d\n%s", code, out)
	}
	if out, code := s.cli("verify", "--pub", s.dir+"/station.pub", end.s.TransferPath); code != 0 {
		t.Errorf("sluice verify of the published transfer: exit %d\n%s", code, out)
	}
	siem.check(t, s, id)
}

// siem collects what the station forwards over syslog (UDP).
type siem struct {
	mu   sync.Mutex
	msgs []string
}

// syslogReceiver listens on a UDP port and points the station's syslog
// forwarding at it.
func (s *station) syslogReceiver() *siem {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { pc.Close() })
	f, err := os.OpenFile(s.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	fmt.Fprintf(f, "\n[syslog]\ntarget = \"udp://%s\"\n", pc.LocalAddr())
	f.Close()
	r := &siem{}
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			r.mu.Lock()
			r.msgs = append(r.msgs, string(buf[:n]))
			r.mu.Unlock()
		}
	}()
	return r
}

// check waits for the session's end to be forwarded, both as a SESSION
// summary and as the AUDIT line of the chain, and checks that the anchor
// the SIEM holds verifies against the station's audit log.
func (r *siem) check(t *testing.T, s *station, id string) {
	t.Helper()
	anchorRE := regexp.MustCompile(`\[sluice@32473 type="session\.end" seq="(\d+)" hash="([0-9a-f]{64})"\]`)
	var session, anchor string
	var seq, hash string
	deadline := time.Now().Add(wait(10 * time.Second))
	for time.Now().Before(deadline) && (session == "" || hash == "" || anchor == "") {
		r.mu.Lock()
		for _, m := range r.msgs {
			switch {
			case strings.Contains(m, " SESSION ") && strings.Contains(m, `id="`+id+`"`):
				session = m
			case strings.Contains(m, " ANCHOR "):
				anchor = m
			}
			if sub := anchorRE.FindStringSubmatch(m); sub != nil && strings.Contains(m, id) {
				seq, hash = sub[1], sub[2]
			}
		}
		r.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	if session == "" || anchor == "" || hash == "" {
		r.mu.Lock()
		t.Fatalf("syslog: session summary %t, start anchor %t, session.end audit line %t; got:\n%s",
			session != "", anchor != "", hash != "", strings.Join(r.msgs, "\n"))
	}
	n, _ := strconv.ParseInt(seq, 10, 64)
	log, err := os.Open(filepath.Join(s.state, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if _, err := audit.VerifyAnchor(log, audit.Anchor{Seq: n, Hash: hash}); err != nil {
		t.Errorf("the anchor forwarded for session.end (seq %s) does not verify: %v", seq, err)
	}
}

// cli runs the sluice CLI and returns its standard output (followed by
// its standard error) and exit status.
func (s *station) cli(args ...string) (string, int) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait(30*time.Second))
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bins.sluice, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		s.t.Fatalf("sluice %s: %v", strings.Join(args, " "), err)
	}
	out := stdout.String()
	if stderr.Len() > 0 {
		out += "\n" + stderr.String()
	}
	return out, cmd.ProcessState.ExitCode()
}
