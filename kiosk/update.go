package kiosk

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/rules/bundle"
)

// Updater imports signed rule bundles from an update drive.
type Updater interface {
	// AdminPresent says whether an admin is logged in on the station now:
	// only then is a drive with sluice-update/ an update drive.
	AdminPresent() bool
	// Import checks and installs one bundle; the next session uses it.
	Import(path, who string) (api.RuleBundle, error)
	// SignedVersion is the version a trusted signature gives the bundle,
	// read without parsing the bundle; see bundle.SignedVersion.
	SignedVersion(path string) (int, error)
}

// updateDir is the folder at a partition's root that marks an update drive.
const updateDir = "sluice-update"

// maxUpdates bounds the bundles one update drive may bring; the rest are
// refused unread, so that a crafted drive cannot keep the station busy.
const maxUpdates = 32

// updates are the bundles found on an update drive.
type updates []updateBundle

// updateBundle is one bundle found on an update drive.
type updateBundle struct {
	path    string
	version int    // 0 when the bundle cannot even be read; imported last
	refuse  string // why it is refused without being read, if it is
}

// findUpdates lists sluice-update/*.tar at the roots.
// The drive is hostile: the folder, each bundle and its signature must be
// plain, so that no link leads the station to read its own files or a
// device through them.
func findUpdates(roots map[string]string) updates {
	var found updates
	for _, root := range roots {
		dir := filepath.Join(root, updateDir)
		if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
			continue
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if !e.Type().IsRegular() || !strings.HasSuffix(strings.ToLower(e.Name()), ".tar") {
				continue
			}
			p := filepath.Join(dir, e.Name())
			if len(found) >= maxUpdates {
				found = append(found, updateBundle{path: p, refuse: fmt.Sprintf("more than %d bundles on one drive", maxUpdates)})
				continue
			}
			fi, err := os.Lstat(p + bundle.SignatureExt)
			switch {
			case errors.Is(err, os.ErrNotExist):
				found = append(found, updateBundle{path: p}) // the import refuses it: unsigned
				continue
			case err != nil || !fi.Mode().IsRegular():
				found = append(found, updateBundle{path: p, refuse: "its signature is not a plain file"})
				continue
			}
			found = append(found, updateBundle{path: p})
		}
	}
	return found
}

// order sorts the bundles by the version their trusted signature names,
// oldest first, so that a drive carrying v2 and v3 ends with v3 active.
// Nothing unverified is parsed for it: a bundle without a valid trusted
// signature sorts last, and its import refuses it with the reason.
func (u updates) order(versionOf func(string) (int, error)) {
	found := u
	for i := range found {
		if found[i].refuse == "" {
			if v, err := versionOf(found[i].path); err == nil {
				found[i].version = v
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool {
		vi, vj := found[i].version, found[j].version
		if (vi == 0) != (vj == 0) {
			return vj == 0
		}
		if vi != vj {
			return vi < vj
		}
		return found[i].path < found[j].path
	})
}

// update imports every bundle of an update drive, in version order, and
// ends the session with each one's result. Nothing of the drive is
// scanned or transferred.
func (s *session) update(bundles updates) outcome {
	s.setState(api.Updating)
	bundles.order(s.st.d.Updates.SignedVersion)
	var lines []string
	var files []api.File
	for _, b := range bundles {
		name := filepath.Base(b.path)
		f := api.File{Path: filepath.Join(updateDir, name), Reasons: []string{}}
		if b.refuse != "" {
			f.Verdict, f.Reasons = "refused", []string{b.refuse}
			lines = append(lines, name+": refused: "+b.refuse)
			files = append(files, f)
			continue
		}
		rb, err := s.st.d.Updates.Import(b.path, "update drive in session "+s.id)
		switch {
		case err == nil:
			f.Verdict = "installed"
			lines = append(lines, fmt.Sprintf("%s: installed %s version %d", name, rb.Name, rb.Version))
		case errors.Is(err, api.ErrRulesInstalled):
			f.Verdict = "already-installed"
			lines = append(lines, name+": already installed")
		default:
			f.Verdict = "refused"
			f.Reasons = []string{err.Error()}
			lines = append(lines, name+": refused: "+err.Error())
		}
		files = append(files, f)
	}
	if err := s.st.d.Recorder.SessionFiles(s.recordCtx(), s.id, files); err != nil {
		s.st.d.Log.Error("record update results", "session", s.id, "err", err)
	}
	return outcome{api.Done, api.ReasonUpdate, strings.Join(lines, "; ")}
}
