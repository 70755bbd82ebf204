package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/sluice-ot/sluice/rules/bundle"
	"github.com/sluice-ot/sluice/scanner/engines"
	"github.com/sluice-ot/sluice/scanner/yara"
)

func sortNewestFirst(ins []*Installed) {
	sort.Slice(ins, func(i, j int) bool { return ins[i].Version > ins[j].Version })
}

// trash deletes a version's folder: renamed first, so that no folder
// under a version name is ever half deleted.
func (s *Store) trash(version int) error {
	name := versionDir(version)
	tmp, err := os.MkdirTemp(s.dir, trashPrefix)
	if err != nil {
		return err
	}
	dst := filepath.Join(tmp, name)
	if err := os.Rename(filepath.Join(s.dir, name), dst); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := syncPath(s.dir); err != nil {
		return err
	}
	return os.RemoveAll(tmp)
}

// prune deletes the bundles beyond the active one and the Keep newest
// others. It never deletes the active one.
func (s *Store) prune() ([]int, error) {
	s.mu.Lock()
	var keep, drop []*Installed
	n := 0
	for _, in := range s.kept {
		switch {
		case in.Active:
			keep = append(keep, in)
		case n < s.opts.Keep:
			keep = append(keep, in)
			n++
		default:
			drop = append(drop, in)
		}
	}
	s.kept = keep
	s.mu.Unlock()
	var pruned []int
	var errs []error
	for _, in := range drop {
		if err := s.trash(in.Version); err != nil {
			errs = append(errs, fmt.Errorf("prune version %d: %w", in.Version, err))
			continue
		}
		pruned = append(pruned, in.Version)
	}
	return pruned, errors.Join(errs...)
}

// Rollback activates a kept version, after checking it again as on
// import, its signature by a trusted key and its expiry included. It is
// the only way to activate a version below the active one, and is
// audited as "rules.rollback" with who asked. Rolling "back" to a kept
// version above the active one is allowed too: it undoes a rollback.
func (s *Store) Rollback(version int, who string) (Installed, error) {
	s.change.Lock()
	defer s.change.Unlock()
	in, from, err := s.rollbackLocked(version)
	ev := map[string]any{"version": version, "by": who, "result": outcomeOf(err)}
	if err != nil {
		ev["reason"] = err.Error()
	} else if in.Version == version {
		ev["result"] = "rolled-back"
	}
	if from > 0 {
		ev["from"] = from
	}
	if in.SHA256 != "" {
		ev["name"], ev["sha256"] = in.Name, in.SHA256
	}
	if aerr := s.opts.Auditor.Append("rules.rollback", ev); aerr != nil {
		err = errors.Join(err, fmt.Errorf("rules.rollback not audited: %w", aerr))
	}
	return in, err
}

func (s *Store) rollbackLocked(version int) (Installed, int, error) {
	s.mu.RLock()
	var target *Installed
	for _, in := range s.kept {
		if in.Version == version {
			target = in
		}
	}
	active := s.active
	s.mu.RUnlock()
	from := 0
	if active != nil {
		from = active.Version
	}
	fail := func(err error) (Installed, int, error) {
		return Installed{}, from, fmt.Errorf("roll back to rule bundle %d: %w", version, err)
	}
	if target == nil {
		return fail(ErrNotKept)
	}
	if target.Active {
		return *target, from, fmt.Errorf("roll back to rule bundle %d: %w", version, ErrAlreadyInstalled)
	}
	b, err := s.verify(target, false)
	if err != nil {
		return fail(err)
	}
	b.Close()
	if err := pointActive(s.dir, versionDir(version)); err != nil {
		return fail(fmt.Errorf("activate: %w", err))
	}
	s.mu.Lock()
	for _, in := range s.kept {
		in.Active = in == target
	}
	s.active = target
	out := *target
	s.mu.Unlock()
	return out, from, nil
}

// verify opens a stored bundle again: its signature by a key trusted now,
// its SHA-256 as on import, and its tables as compiled. An expired bundle
// passes only with allowExpired.
func (s *Store) verify(in *Installed, allowExpired bool) (*bundle.Bundle, error) {
	b, err := bundle.OpenWith(in.BundlePath(), s.trusted, bundle.Options{Now: s.opts.Now(), TempDir: filepath.Join(s.dir, tmpDir)})
	if errors.Is(err, bundle.ErrExpired) {
		if !allowExpired {
			b.Close()
			return nil, refuse(fmt.Errorf("%w on %s", ErrExpired, in.Expires.UTC().Format(time.RFC3339)))
		}
		err = nil
	}
	if err != nil {
		return nil, refuse(err)
	}
	if b.SHA256 != in.SHA256 {
		b.Close()
		return nil, fmt.Errorf("%w: %s: sha256 %s, imported as %s", ErrCorrupt, in.Dir, b.SHA256, in.SHA256)
	}
	for _, t := range append(append([]Table(nil), in.BlockTables...), in.AllowTables...) {
		sum, err := fileSHA256(filepath.Join(in.Dir, t.File))
		if err == nil && sum != t.SHA256 {
			err = fmt.Errorf("sha256 %s, compiled as %s", sum, t.SHA256)
		}
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("%w: table %s: %v", ErrCorrupt, t.File, err)
		}
	}
	return b, nil
}

// Engines builds the engines of the active bundle: the built-in rules
// and the bundle's sources, compiled here, and its hash tables. It checks
// the stored bundle again first (see Rollback). An active bundle that has
// expired since its import still loads: the station keeps its rules and
// flags them stale. It returns ErrNoActive when no bundle is active; the
// caller then loads the engines its configuration names.
func (s *Store) Engines(timeout time.Duration) (*engines.Set, Installed, error) {
	in, ok := s.Active()
	if !ok {
		return nil, Installed{}, ErrNoActive
	}
	b, err := s.verify(in, true)
	if err != nil {
		return nil, *in, fmt.Errorf("load rule bundle %d: %w", in.Version, err)
	}
	var srcs []yara.Source
	srcs, err = b.YARA()
	b.Close()
	if err != nil {
		return nil, *in, fmt.Errorf("load rule bundle %d: %w", in.Version, err)
	}
	block, allow := in.TablePaths()
	set, err := engines.LoadBundle(srcs, block, allow, timeout)
	if err != nil {
		return nil, *in, fmt.Errorf("load rule bundle %d: %w", in.Version, err)
	}
	return set, *in, nil
}
