//go:build linux

package mount

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Release unmounts everything of the session, FUSE mounts included, waits
// for their helpers and removes the directories. A busy mount is retried
// and then detached lazily; the error then wraps ErrLazyUnmount and the
// session is nonetheless gone. Release of an unknown or released session
// returns nil.
func (m *Mounter) Release(sess string) error {
	if err := validName(sess); err != nil {
		return fmt.Errorf("release session: %w", err)
	}
	m.mu.Lock()
	s := m.sessions[sess]
	delete(m.sessions, sess)
	m.mu.Unlock()
	sdir := filepath.Join(m.Root, sess)
	var errs []error
	if s != nil {
		for _, e := range s.mounts {
			errs = append(errs, releaseEntry(e))
		}
	}
	// Whatever mountinfo still shows below the session: stacked mounts,
	// a late mount after a timeout, or an unknown session.
	errs = append(errs, unmountTree(sdir)...)
	errs = append(errs, removeDirs(sdir, nil)...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("release session %s: %w", sess, err)
	}
	return nil
}

func releaseEntry(e *entry) error {
	var kill func()
	if e.helper != nil {
		kill = e.helper.kill
	}
	lazy, err := unmountAll(e.dir, kill)
	if e.helper != nil {
		// The helper exits by itself once unmounted; a lazily detached
		// one stays until the last file closes, so it is killed.
		wait := 3 * time.Second
		if lazy || err != nil {
			wait = 0
		}
		e.helper.wait(wait)
	}
	if err == nil && lazy {
		err = fmt.Errorf("%s: %w", e.dir, ErrLazyUnmount)
	}
	return err
}

// unmountTree unmounts every mount at or below dir, deepest first.
func unmountTree(dir string) []error {
	pts, err := mountsUnder(dir)
	if err != nil {
		return []error{err}
	}
	sort.SliceStable(pts, func(i, j int) bool { return len(pts[i]) > len(pts[j]) })
	var errs []error
	for _, p := range pts {
		lazy, err := unmountAll(p, nil)
		if err == nil && lazy {
			err = fmt.Errorf("%s: %w", p, ErrLazyUnmount)
		}
		errs = append(errs, err)
	}
	return errs
}

// removeDirs removes the mount directories in sdir, then sdir, with
// rmdir only: a directory that still held a mount would lead into the
// drive, and rmdir refuses it. Removed paths are appended to *done.
func removeDirs(sdir string, done *[]string) []error {
	ents, err := os.ReadDir(sdir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	var errs []error
	if err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", sdir, err))
	}
	for _, de := range ents {
		p := filepath.Join(sdir, de.Name())
		if err := os.Remove(p); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", p, err))
		} else if done != nil {
			*done = append(*done, p)
		}
	}
	if err := os.Remove(sdir); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, fmt.Errorf("remove %s: %w", sdir, err))
	} else if err == nil && done != nil {
		*done = append(*done, sdir)
	}
	return errs
}

// CleanStale takes down what a killed daemon left under Root: it unmounts
// every mount below Root (deepest first, lazily if busy) and removes the
// session directories. Sessions this Mounter holds are left alone. It
// returns the mount points unmounted, then the other directories removed.
func (m *Mounter) CleanStale() ([]string, error) {
	if err := m.checkRoot(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	live := make(map[string]bool, len(m.sessions))
	for _, s := range m.sessions {
		live[s.dir] = true
	}
	m.mu.Unlock()
	isLive := func(p string) bool {
		for d := range live {
			if under(p, d) {
				return true
			}
		}
		return false
	}
	pts, err := mountsUnder(m.Root)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(pts, func(i, j int) bool { return len(pts[i]) > len(pts[j]) })
	var cleaned, removed []string
	var errs []error
	unmounted := make(map[string]bool)
	for _, p := range pts {
		if p == m.Root || isLive(p) {
			continue // Root may itself be a tmpfs: it is trusted
		}
		if _, err := unmountAll(p, nil); err != nil {
			errs = append(errs, err)
			continue
		}
		unmounted[p] = true
		cleaned = append(cleaned, p)
	}
	ents, err := os.ReadDir(m.Root)
	if err != nil {
		errs = append(errs, fmt.Errorf("clean %s: %w", m.Root, err))
	}
	for _, de := range ents {
		p := filepath.Join(m.Root, de.Name())
		if isLive(p) || !de.IsDir() {
			continue
		}
		errs = append(errs, removeDirs(p, &removed)...)
	}
	for _, p := range removed {
		if !unmounted[p] {
			cleaned = append(cleaned, p)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return cleaned, fmt.Errorf("clean stale mounts: %w", err)
	}
	return cleaned, nil
}
