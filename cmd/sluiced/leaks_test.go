package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// leaks lists what the station left behind: mounts below its state
// directory in any mount namespace (the daemon keeps its mounts in a
// namespace of its own, and a FUSE helper that outlives a killed daemon
// keeps that namespace alive), processes working there (FUSE helpers),
// loop devices still backed by its images, mount directories, unfinished
// transfers and spool files.
func (s *station) leaks() []string {
	var out []string
	out = append(out, mountsUnder(s.state)...)
	out = append(out, processesUnder(s.state)...)
	for _, d := range s.drives {
		for _, l := range loopsOf(d.img.path) {
			out = append(out, fmt.Sprintf("loop device %s of %s", l, filepath.Base(d.img.path)))
		}
	}
	staging, _ := filepath.Glob(filepath.Join(s.dest, ".sluice-staging-*"))
	for _, p := range staging {
		out = append(out, "unfinished transfer "+p)
	}
	for _, dir := range []string{"media", "spool"} {
		ents, _ := os.ReadDir(filepath.Join(s.state, dir))
		for _, e := range ents {
			out = append(out, fmt.Sprintf("%s/%s", dir, e.Name()))
		}
	}
	return out
}

// awaitNoLeaks gives the kernel and the FUSE helpers a moment (a deferred
// loop detach, a helper exiting after its unmount) and returns what is
// still left after within. Files and folders do not go away by themselves
// once the daemon stopped, so they are not waited for.
func (s *station) awaitNoLeaks(within time.Duration) []string {
	deadline := time.Now().Add(within)
	for {
		leaks := s.leaks()
		transient := false
		for _, l := range leaks {
			if strings.HasPrefix(l, "mount ") || strings.HasPrefix(l, "process ") || strings.HasPrefix(l, "loop device ") {
				transient = true
			}
		}
		if !transient || time.Now().After(deadline) {
			return leaks
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mountsUnder lists the mounts at or below dir in every mount namespace
// that a process is in, this test's own included, one line per namespace
// and mount point.
func mountsUnder(dir string) []string {
	var out []string
	eachMount(func(pid int, ns, line string) {
		if f := strings.Fields(line); len(f) >= 5 && under(unescape(f[4]), dir) {
			out = append(out, fmt.Sprintf("mount %s in %s (seen from pid %d, %s)", f[4], ns, pid, comm(pid)))
		}
	})
	return out
}

// eachMount calls fn once for every mount of every mount namespace that a
// process is in (this test's own, the daemon's, FUSE helpers'), with the
// mount's mountinfo line and a pid that sees it.
func eachMount(fn func(pid int, ns, line string)) {
	seen := map[string]bool{}
	for _, pid := range pids() {
		ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid))
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if key := ns + " " + line; line != "" && !seen[key] {
				seen[key] = true
				fn(pid, ns, line)
			}
		}
	}
}

// processesUnder lists the processes whose command line names a path at
// or below dir: FUSE helpers are given their mount point.
func processesUnder(dir string) []string {
	var out []string
	self := os.Getpid()
	for _, pid := range pids() {
		if pid == self {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		for _, arg := range bytes.Split(b, []byte{0}) {
			if under(string(arg), dir) {
				out = append(out, fmt.Sprintf("process %d: %s", pid, bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '})))
				break
			}
		}
	}
	return out
}

// loopsOf lists the loop devices backed by img.
func loopsOf(img string) []string {
	out, _ := exec.Command("losetup", "-j", img).Output()
	var devs []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if dev, _, ok := strings.Cut(line, ":"); ok {
			devs = append(devs, dev)
		}
	}
	return devs
}

func pids() []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// fdCount, vmRSS and threads read a process's open files, resident memory
// (KiB) and thread count from /proc.
func fdCount(pid int) int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(ents)
}

func procStatus(pid int, field string) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return -1
}
