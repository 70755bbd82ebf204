package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Udevd is Debian's systemd-udevd.
const Udevd = "/lib/systemd/systemd-udevd"

// UdevAnswers reports whether a systemd-udevd answers a ping on its control
// socket. Connecting is not enough: udevd listens with a backlog of one, so
// a udevd that is stopped, frozen or dying still takes one connection, and
// then refuses every other with EAGAIN ("Resource temporarily
// unavailable"), which is how a CI run once failed. Only a reply proves a
// udevd that will handle events and reloads.
func UdevAnswers() bool {
	return exec.Command("udevadm", "control", "--ping", "--timeout=3").Run() == nil
}

// StartUdevd makes sure a systemd-udevd answers, starting one of its own
// when none does, even if a stuck one still holds the control socket (a new
// udevd replaces the socket file). The returned stop func stops only a
// udevd that StartUdevd started, with its workers, and is never nil.
func StartUdevd() (stop func(), err error) {
	stop = func() {}
	if _, err := os.Stat(Udevd); err != nil {
		return stop, fmt.Errorf("%s is not installed (package udev; make deps installs it)", Udevd)
	}
	if _, err := exec.LookPath("udevadm"); err != nil {
		return stop, fmt.Errorf("udevadm is not installed (package udev; make deps installs it)")
	}
	if UdevAnswers() {
		return stop, nil
	}
	cmd := exec.Command(Udevd)
	// Its own process group, so that its workers go with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return stop, fmt.Errorf("start %s: %w", Udevd, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop = func() {
		pgid := cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(3 * time.Second):
		}
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-exited
	}
	// No event to await: udevd has no readiness signal without systemd.
	for deadline := time.Now().Add(15 * time.Second); !UdevAnswers(); time.Sleep(50 * time.Millisecond) {
		select {
		case <-exited:
			return stop, fmt.Errorf("%s exited at start", Udevd)
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return func() {}, fmt.Errorf("%s did not answer on its control socket within 15s", Udevd)
		}
	}
	return stop, nil
}

// ReloadUdev makes udevd read its rules again. A busy udevd can refuse a
// control connection for a moment, so it is asked again for a while.
func ReloadUdev() error {
	var err error
	var out []byte
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		out, err = exec.Command("udevadm", "control", "--reload", "--timeout=5").CombinedOutput()
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("udevadm control --reload: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// UdevRule installs a test-only udev rule at path, with udevd answering and
// its rules reloaded. The returned stop func removes the rule and stops a
// udevd started for it; it is never nil.
func UdevRule(path, rule string) (stop func(), err error) {
	stopUdevd, err := StartUdevd()
	if err != nil {
		return stopUdevd, err
	}
	if err := os.WriteFile(path, []byte(rule), 0o644); err != nil {
		return stopUdevd, err
	}
	stop = func() {
		os.Remove(path)
		ReloadUdev()
		stopUdevd()
	}
	if err := ReloadUdev(); err != nil {
		return stop, err
	}
	return stop, nil
}
