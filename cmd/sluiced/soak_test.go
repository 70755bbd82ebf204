package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/kiosk/api"
)

// TestSoak runs 50 sessions in a row on one daemon with a small FAT32
// drive and checks that the daemon's open files, mounts and loop devices
// do not grow. It records them with its memory after sessions 1, 10, 25
// and 50, and how long a drive takes from losetup to the scan, for
// docs/PERFORMANCE.md ("Station sessions"). A plain test run does 10
// sessions, so that every run checks for leaks; SLUICE_SOAK=1 does the
// full 50 (a minute or two), and SLUICE_SOAK_SESSIONS=N does N, sampled
// every 50 after the 50th.
func TestSoak(t *testing.T) {
	sessions := 10
	if os.Getenv("SLUICE_SOAK") == "1" {
		sessions = 50
	}
	if n, err := strconv.Atoi(os.Getenv("SLUICE_SOAK_SESSIONS")); err == nil && n > 0 {
		sessions = n
	}
	s := newStation(t)
	// Enough small files that the scan outlasts the 250 ms progress tick,
	// so that every session sends progress.
	files := append(logs(300), corpus.DemoDrive()...)
	img := s.newImage("soak", true, volume{fs: "vfat", label: "SOAK", mib: 40, files: files})
	s.start()
	pid := s.pid()

	type sample struct {
		after                   int
		fds, mounts, loops, thr int
		rssKiB                  int64
	}
	take := func(after int) sample {
		return sample{after: after, fds: fdCount(pid), mounts: daemonMounts(pid, s.state),
			loops: len(loopsOf(img.path)), thr: int(procStatus(pid, "Threads")), rssKiB: procStatus(pid, "VmRSS")}
	}
	samples := []sample{take(0)}
	var toScanning, toProgress, toEnd []time.Duration
	for i := 1; i <= sessions; i++ {
		from := s.events.mark()
		start := time.Now()
		d := s.attach(img)
		id := s.awaitSession(d.dev, &from)
		scanning := s.awaitState(id, api.Scanning, &from, 30*time.Second)
		progress := s.awaitProgress(id, &from, 0)
		end := s.awaitState(id, final, &from, 60*time.Second)
		if end.s.State != api.Done || end.s.TransferPath == "" || end.s.Counts.Infected != 3 {
			t.Fatalf("session %d: %s (%s: %s), %+v, transfer %q; want done, 3 infected and a transfer",
				i, end.s.State, end.s.Reason, end.s.Detail, end.s.Counts, end.s.TransferPath)
		}
		toScanning = append(toScanning, scanning.at.Sub(start))
		toProgress = append(toProgress, progress.at.Sub(start))
		toEnd = append(toEnd, end.at.Sub(start))
		d.detach(t)
		d.awaitGone(t)
		if i == 1 || i == 10 || i == 25 || i%50 == 0 || i == sessions {
			samples = append(samples, take(i))
		}
	}
	first, last := samples[1], samples[len(samples)-1]
	if last.fds > first.fds || last.mounts != 0 || last.loops != 0 {
		t.Errorf("after %d sessions: %d open files (%d after the first), %d mounts, %d loop devices; want no growth and none",
			sessions, last.fds, first.fds, last.mounts, last.loops)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "| after session | open fds | mounts | loop devices | threads | VmRSS MiB |\n|---:|---:|---:|---:|---:|---:|\n")
	for _, x := range samples {
		after := fmt.Sprint(x.after)
		if x.after == 0 {
			after = "0 (idle after start)"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %.1f |\n", after, x.fds, x.mounts, x.loops, x.thr, float64(x.rssKiB)/1024)
	}
	fmt.Fprintf(&b, "\n| from losetup to | min | median | max |\n|---|---:|---:|---:|\n")
	for _, r := range []struct {
		name string
		d    []time.Duration
	}{{"state scanning", toScanning}, {"first progress event", toProgress}, {"session done", toEnd}} {
		slices.Sort(r.d)
		fmt.Fprintf(&b, "| %s | %v | %v | %v |\n", r.name, ms(r.d[0]), ms(r.d[len(r.d)/2]), ms(r.d[len(r.d)-1]))
	}
	t.Logf("%d sessions, %s, %d CPUs, race detector %v:\n%s", sessions, runtime.Version(), runtime.NumCPU(), raceEnabled, b.String())
}

// daemonMounts counts the mounts below dir in the daemon's own namespace.
func daemonMounts(pid int, dir string) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && under(unescape(f[4]), dir) {
			n++
		}
	}
	return n
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }
