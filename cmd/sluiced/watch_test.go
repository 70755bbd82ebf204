package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/kiosk/api"
)

// TestWatch follows a session with sluice watch, started before the drive
// is inserted: once with --once, which exits by itself when the session
// ends, and once without, which follows until it is interrupted. Both
// show the session's states and live progress, and end with the summary
// that sluice sessions lists for it.
func TestWatch(t *testing.T) {
	s := newStation(t)
	img := s.newImage("watch", true, volume{fs: "ext4", label: "WATCH", mib: 32, files: append(logs(4000), corpus.DemoDrive()...)})
	s.start()

	once := s.startCLI("watch", "--socket", s.socket, "--once")
	follow := s.startCLI("watch", "--socket", s.socket)
	// The first line comes with the stream's first event: from then on no
	// session event is missed.
	const ready = "watching station sessions; insert a drive\n"
	once.awaitOutput(ready)
	follow.awaitOutput(ready)

	d, end := s.runSession(img)
	s.checkDone(end, expected(img.vols))

	if code := once.wait(); code != 0 {
		t.Errorf("sluice watch --once after a done session: exit %d, want 0\n%s", code, once.output())
	}
	follow.awaitOutput("transfer: " + end.TransferPath + "\n")
	follow.cmd.Process.Signal(syscall.SIGINT)
	if code := follow.wait(); code != 0 {
		t.Errorf("sluice watch after SIGINT: exit %d, want 0\n%s", code, follow.output())
	}

	out, code := s.cli("sessions", "--socket", s.socket)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 1 || !strings.HasPrefix(lines[0], end.ID+"  ") {
		t.Fatalf("sluice sessions: exit %d, want one line for session %s\n%s", code, end.ID, out)
	}
	listed := lines[0]
	c := end.Counts
	for _, want := range []string{
		" done ", " #" + testSerial, "  → " + end.TransferPath,
		fmt.Sprintf(" %d clean, %d infected, %d blocked, %d errors ", c.Clean, c.Infected, c.Blocked, c.Error),
	} {
		if !strings.Contains(listed, want) {
			t.Errorf("sluice sessions lists %q, want it to contain %q", listed, want)
		}
	}

	for _, w := range []struct {
		name string
		out  string
	}{{"watch --once", once.output()}, {"watch", follow.output()}} {
		checkWatchOutput(t, w.name, w.out, end, listed)
	}
	d.detach(t)
}

// checkWatchOutput checks what sluice watch printed for the one session
// that ran while it watched: its states in order, progress lines while it
// scanned, and then the summary line (the one sluice sessions lists) and
// the transfer, last.
func checkWatchOutput(t *testing.T, name, out string, end api.Session, listed string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[0] != "watching station sessions; insert a drive" {
		t.Errorf("sluice %s: first line %q, want the watching line", name, lines[0])
	}
	device := "Sluice E2E_Stick #" + testSerial
	var states []string
	stateAt := map[string]int{}
	var progress []int
	for i, l := range lines[1:] {
		i++
		if rest, ok := strings.CutPrefix(l, "  "+end.ID+"  "); ok {
			if !strings.Contains(rest, " files ") {
				t.Errorf("sluice %s: progress line %q shows no file count", name, l)
			}
			progress = append(progress, i)
			continue
		}
		if rest, ok := strings.CutPrefix(l, end.ID+"  "); ok {
			if state, dev, ok := strings.Cut(rest, "  "); ok && dev == device {
				states = append(states, state)
				stateAt[state] = i
			}
		}
	}
	want := []string{"detected", "mounting", "scanning", "publishing", "done"}
	if !slices.Equal(states, want) {
		t.Errorf("sluice %s: states %v, want %v\n%s", name, states, want, out)
	}
	if len(progress) == 0 {
		t.Errorf("sluice %s: no progress line while session %s scanned\n%s", name, end.ID, out)
	}
	for _, i := range progress {
		if i < stateAt["scanning"] || i > stateAt["publishing"] {
			t.Errorf("sluice %s: progress line %q outside the scan", name, lines[i])
		}
	}
	// The summary follows the final state: the session as sluice sessions
	// lists it, then the transfer, and nothing after.
	tail := lines[stateAt["done"]+1:]
	if wantTail := []string{listed, "transfer: " + end.TransferPath}; !slices.Equal(tail, wantTail) {
		t.Errorf("sluice %s: after the final state\n  %s\nwant\n  %s", name, strings.Join(tail, "\n  "), strings.Join(wantTail, "\n  "))
	}
}

// bgCLI is a sluice command running in the background, its output
// (standard output and error together) collected as it comes.
type bgCLI struct {
	t      *testing.T
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    bytes.Buffer
	exited chan struct{}
}

func (b *bgCLI) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.Write(p)
}

func (b *bgCLI) output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.String()
}

// startCLI starts the sluice CLI in the background; it is killed at the
// end of the test if it still runs.
func (s *station) startCLI(args ...string) *bgCLI {
	s.t.Helper()
	b := &bgCLI{t: s.t, cmd: exec.Command(bins.sluice, args...), exited: make(chan struct{})}
	b.cmd.Stdout, b.cmd.Stderr = b, b
	if err := b.cmd.Start(); err != nil {
		s.t.Fatalf("start sluice %s: %v", strings.Join(args, " "), err)
	}
	go func() { b.cmd.Wait(); close(b.exited) }()
	s.t.Cleanup(func() {
		select {
		case <-b.exited:
		default:
			b.cmd.Process.Kill()
			<-b.exited
		}
	})
	return b
}

// awaitOutput waits until the command has printed want.
func (b *bgCLI) awaitOutput(want string) {
	b.t.Helper()
	deadline := time.Now().Add(wait(30 * time.Second))
	for !strings.Contains(b.output(), want) {
		select {
		case <-b.exited:
			if strings.Contains(b.output(), want) {
				return
			}
			b.t.Fatalf("sluice %s exited (%v) without printing %q:\n%s", strings.Join(b.cmd.Args[1:], " "), b.cmd.ProcessState, want, b.output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("sluice %s did not print %q:\n%s", strings.Join(b.cmd.Args[1:], " "), want, b.output())
		}
	}
}

// wait waits for the command to exit by itself and returns its status.
func (b *bgCLI) wait() int {
	b.t.Helper()
	select {
	case <-b.exited:
	case <-time.After(wait(10 * time.Second)):
		b.t.Fatalf("sluice %s did not exit:\n%s", strings.Join(b.cmd.Args[1:], " "), b.output())
	}
	return b.cmd.ProcessState.ExitCode()
}
