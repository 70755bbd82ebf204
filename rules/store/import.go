package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sluice-ot/sluice/rules/bundle"
	"github.com/sluice-ot/sluice/scanner/hashdb"
	"github.com/sluice-ot/sluice/scanner/yara"
)

// maxBundleFile is the largest tar the default bundle limits allow, and
// maxSigFile the largest signature file: bigger files are refused before
// they are copied.
const (
	maxBundleFile = bundle.DefaultMaxTotal + bundle.DefaultMaxManifest + (bundle.DefaultMaxMembers+1)*1024 + 10240
	maxSigFile    = 64 << 10
)

// Outcomes of an import, as Result and the audit log name them.
const (
	OutcomeInstalled        = "installed"
	OutcomeAlreadyInstalled = "already-installed"
	OutcomeRefused          = "refused"
	OutcomeFailed           = "failed"
)

// Result is what an import did. With ErrAlreadyInstalled, Bundle is the
// active bundle.
type Result struct {
	Outcome string
	Bundle  Installed
	// Previous is the version that was active before, 0 for none.
	Previous int
	// Pruned are the versions deleted to keep the history bounded.
	Pruned []int
}

// Import checks the bundle at bundlePath (and its .minisig beside it) and,
// when every check passes, installs and activates it. The checks, in
// order: a signature by a trusted key over a well-formed bundle; a
// version above the active one (equal: ErrAlreadyInstalled, lower:
// ErrDowngrade); not expired; every rule source compiles on this
// station, all together; every hash list converts to a table without a
// bad line. On any failure nothing changes. Every outcome is audited as
// "rules.import", with who asked.
//
// Sessions are not disturbed: the store only writes files. The caller
// builds new engines (Engines) for the sessions that start afterwards.
func (s *Store) Import(bundlePath, who string) (Result, error) {
	s.change.Lock()
	defer s.change.Unlock()
	res, err := s.importLocked(bundlePath, who)
	ev := map[string]any{"path": bundlePath, "by": who, "result": res.Outcome}
	if res.Bundle.Version > 0 {
		ev["name"], ev["version"], ev["sha256"], ev["key_id"] = res.Bundle.Name, res.Bundle.Version, res.Bundle.SHA256, res.Bundle.KeyID
	}
	if err != nil {
		ev["reason"] = err.Error()
	}
	if res.Previous > 0 {
		ev["previous"] = res.Previous
	}
	if len(res.Pruned) > 0 {
		ev["pruned"] = res.Pruned
	}
	if aerr := s.opts.Auditor.Append("rules.import", ev); aerr != nil {
		err = errors.Join(err, fmt.Errorf("rules.import not audited: %w", aerr))
	}
	return res, err
}

func outcomeOf(err error) string {
	switch {
	case err == nil:
		return OutcomeInstalled
	case errors.Is(err, ErrAlreadyInstalled):
		return OutcomeAlreadyInstalled
	case errors.Is(err, ErrRefused), errors.Is(err, ErrDowngrade), errors.Is(err, ErrNotKept):
		return OutcomeRefused
	}
	return OutcomeFailed
}

func (s *Store) importLocked(bundlePath, who string) (res Result, err error) {
	defer func() {
		res.Outcome = outcomeOf(err)
		if err != nil {
			err = fmt.Errorf("import rule bundle %s: %w", bundlePath, err)
		}
	}()
	staging, err := os.MkdirTemp(s.dir, stagingPrefix)
	if err != nil {
		return res, err
	}
	defer func() {
		if staging != "" {
			os.RemoveAll(staging)
		}
	}()
	in, err := s.stage(staging, bundlePath, &res)
	if err != nil {
		return res, err
	}
	in.InstalledAt, in.By = s.opts.Now().UTC(), who
	data, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return res, err
	}
	// installed.json last: a folder holding it is complete.
	if err := writeFileSync(filepath.Join(staging, installedFile), append(data, '\n')); err != nil {
		return res, err
	}
	if err := syncDirTree(staging); err != nil {
		return res, err
	}
	target := filepath.Join(s.dir, versionDir(in.Version))
	// A folder of this version that is not active (rolled back from, or
	// left by a crash before its activation) is replaced.
	if _, err := os.Lstat(target); err == nil {
		if err := s.trash(in.Version); err != nil {
			return res, err
		}
	}
	if err := os.Rename(staging, target); err != nil {
		return res, err
	}
	staging = ""
	if err := syncPath(s.dir); err != nil {
		return res, err
	}
	if err := pointActive(s.dir, versionDir(in.Version)); err != nil {
		return res, fmt.Errorf("activate: %w", err)
	}
	in.Dir, in.Active = target, true
	s.mu.Lock()
	kept := []*Installed{in}
	for _, k := range s.kept {
		if k.Version != in.Version {
			k.Active = false
			kept = append(kept, k)
		}
	}
	sortNewestFirst(kept)
	s.active, s.kept = in, kept
	s.mu.Unlock()
	res.Bundle = *in
	res.Pruned, err = s.prune()
	if err != nil {
		// The bundle is active; only old ones were not all deleted.
		return res, fmt.Errorf("installed, but pruning failed: %w", err)
	}
	return res, nil
}

// stage copies the bundle into staging, checks it and compiles its
// tables there. It fills res.Bundle as soon as the bundle is verified.
func (s *Store) stage(staging, bundlePath string, res *Result) (*Installed, error) {
	tar := filepath.Join(staging, bundleFile)
	// The checks run on the store's own copy, so that the bytes kept are
	// the bytes verified.
	if err := copyIn(tar, bundlePath, maxBundleFile); err != nil {
		return nil, err
	}
	if err := copyIn(tar+bundle.SignatureExt, bundlePath+bundle.SignatureExt, maxSigFile); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, refuse(fmt.Errorf("%w: no %s beside it", bundle.ErrUnsigned, bundle.SignatureExt))
		}
		return nil, err
	}
	b, err := bundle.OpenWith(tar, s.trusted, bundle.Options{Now: s.opts.Now(), TempDir: staging})
	expired := errors.Is(err, bundle.ErrExpired)
	if err != nil && !expired {
		return nil, refuse(err)
	}
	defer b.Close()
	m := &b.Manifest
	in := &Installed{Name: m.Name, Version: m.Version, Created: m.Created, Expires: m.Expires,
		SHA256: b.SHA256, KeyID: strings.ToUpper(strconv.FormatUint(b.KeyID, 16))}
	res.Bundle = *in

	s.mu.RLock()
	active := s.active
	s.mu.RUnlock()
	if active != nil {
		res.Previous = active.Version
		switch {
		case in.Version == active.Version:
			res.Bundle = *active
			return nil, fmt.Errorf("%w: version %d (%s)", ErrAlreadyInstalled, in.Version, active.Name)
		case in.Version < active.Version:
			return nil, fmt.Errorf("%w: version %d, active %d; an admin may roll back to a kept version instead", ErrDowngrade, in.Version, active.Version)
		}
	}
	if expired {
		return nil, refuse(fmt.Errorf("%w on %s", ErrExpired, m.Expires.UTC().Format("2006-01-02 15:04:05Z")))
	}
	if err := compileRules(b, in); err != nil {
		return nil, err
	}
	for _, kind := range []bundle.Kind{bundle.KindBlock, bundle.KindAllow} {
		for _, mem := range b.Members(kind) {
			t, err := compileTable(b, &mem, staging)
			if err != nil {
				return nil, err
			}
			if kind == bundle.KindBlock {
				in.BlockTables, in.BlockEntries = append(in.BlockTables, t), in.BlockEntries+t.Entries
			} else {
				in.AllowTables, in.AllowEntries = append(in.AllowTables, t), in.AllowEntries+t.Entries
			}
		}
	}
	return in, nil
}

// copyIn copies a file to be imported; a file too large or not regular
// is refused.
func copyIn(dst, src string, max int64) error {
	if err := copyFile(dst, src, max); err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return err
		}
		if errors.Is(err, errNotRegular) {
			return refuse(err) // not "over the limit": it may be empty
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return err // an I/O error, not the bundle's fault
		}
		return refuse(fmt.Errorf("%w: %v", bundle.ErrTooLarge, err))
	}
	return nil
}

// compileRules compiles the bundle's sources all together, as the
// engines will, and refuses the bundle if any is rejected.
func compileRules(b *bundle.Bundle, in *Installed) error {
	srcs, err := b.YARA()
	if err != nil {
		return err
	}
	if len(srcs) == 0 {
		return nil
	}
	rules, err := yara.Compile(srcs)
	if err != nil {
		return refuse(fmt.Errorf("%w: %v", ErrRulesRejected, err))
	}
	defer rules.Close()
	if rej := rules.Rejects(); len(rej) > 0 {
		msgs := make([]string, len(rej))
		for i, r := range rej {
			msgs[i] = r.String()
		}
		return refuse(fmt.Errorf("%w: %d of %d files: %s", ErrRulesRejected, len(rej), len(srcs), strings.Join(msgs, "; ")))
	}
	in.Rules, in.RuleFiles = rules.Count(), rules.Files()
	return nil
}

// compileTable converts one hash list member into a table in dir.
func compileTable(b *bundle.Bundle, m *bundle.Member, dir string) (Table, error) {
	entries, bad, err := hashdb.Parse(b.Reader(m))
	if err != nil {
		return Table{}, err
	}
	if len(bad) > 0 {
		return Table{}, refuse(fmt.Errorf("%w: %s: %d bad lines, first %v", ErrBadHashList, m.Path, len(bad), bad[0]))
	}
	if len(entries) != m.Entries {
		return Table{}, refuse(fmt.Errorf("%w: %s: %d digests here, bundle.json says %d", ErrBadHashList, m.Path, len(entries), m.Entries))
	}
	t := Table{File: string(m.Kind) + "-" + path.Base(m.Path) + ".table", Member: m.Path, Entries: len(entries)}
	p := filepath.Join(dir, t.File)
	if err := hashdb.Write(p, entries); err != nil {
		return Table{}, err
	}
	if t.SHA256, err = fileSHA256(p); err != nil {
		return Table{}, err
	}
	return t, nil
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
