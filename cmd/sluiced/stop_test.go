package main

import (
	"os"
	"strings"
	"testing"
)

// TestStopMidSession stops the daemon as systemd would (SIGTERM) while it
// scans: a `sluice watch --once` following the session still learns how
// it ended (aborted: stopped) before the event stream closes, and exits
// 1; nothing is published and nothing of the drive stays mounted.
func TestStopMidSession(t *testing.T) {
	s := newStation(t)
	big := s.bigImage()
	s.start()
	watch := s.startCLI("watch", "--socket", s.socket, "--once")
	watch.awaitOutput("watching station sessions")

	from := s.events.mark()
	d := s.attach(big)
	id := s.awaitSession(d.dev, &from)
	s.awaitProgress(id, &from, 1)
	if len(mountsOf(d.dev)) == 0 {
		t.Fatalf("while session %s scans, no mount of %s is seen: the check after the stop would prove nothing", id, d.dev)
	}
	s.stop()

	if code := watch.wait(); code != 1 || !strings.Contains(watch.output(), id+"  aborted") {
		t.Errorf("sluice watch --once after the daemon stopped mid-session: exit %d, output:\n%s\nwant exit 1 after the line %q",
			code, watch.output(), id+"  aborted")
	}
	if ents, err := os.ReadDir(s.dest); err != nil || len(ents) != 0 {
		t.Errorf("destination after the stop holds %v (%v), want nothing", names(ents), err)
	}
	if m := mountsOf(d.dev); len(m) > 0 {
		t.Errorf("the drive %s is still mounted after the daemon stopped:\n  %s", d.dev, strings.Join(m, "\n  "))
	}
	d.detach(t)
	d.awaitGone(t)
}
