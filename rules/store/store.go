package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"aead.dev/minisign"
)

// Names in the store's directory.
const (
	activeLink    = "active"
	installedFile = "installed.json"
	bundleFile    = "bundle.tar"
	stagingPrefix = ".staging-"
	trashPrefix   = ".trash-"
	tmpDir        = ".tmp"
)

// DefaultKeep is how many bundles are kept besides the active one.
const DefaultKeep = 3

// ExpiryWarning is how long before its expiry a bundle counts as stale.
const ExpiryWarning = 7 * 24 * time.Hour

// Auditor records what the store does; *audit.Log is one.
type Auditor interface {
	Append(typ string, data any) error
}

// Options tune a Store. The zero value of a field means its default.
type Options struct {
	Now     func() time.Time // default time.Now
	Auditor Auditor          // default: audit nothing (tests only)
	Keep    int              // bundles kept besides the active one; default 3
	// StaleAfter flags a bundle older than this as stale; 0 means only
	// the approach of its expiry does.
	StaleAfter time.Duration
}

// Installed describes a bundle the store holds.
type Installed struct {
	Name    string     `json:"name"`
	Version int        `json:"version"`
	Created time.Time  `json:"created"`
	Expires *time.Time `json:"expires,omitempty"`
	// SHA256 is the tar's, as its signature names it; KeyID the signer's.
	SHA256 string `json:"sha256"`
	KeyID  string `json:"key_id"`
	// InstalledAt and By say when and by whom it was imported.
	InstalledAt time.Time `json:"installed_at"`
	By          string    `json:"by"`
	// Rules and RuleFiles are what this station's libyara compiled.
	Rules        int `json:"rules"`
	RuleFiles    int `json:"rule_files"`
	BlockEntries int `json:"block_entries"`
	AllowEntries int `json:"allow_entries"`
	// BlockTables and AllowTables are the compiled tables' file names in
	// Dir, with their SHA-256 so that a damaged table is noticed.
	BlockTables []Table `json:"block_tables"`
	AllowTables []Table `json:"allow_tables"`

	// Dir is the bundle's folder; Active is set for the active bundle.
	// Neither is stored.
	Dir    string `json:"-"`
	Active bool   `json:"-"`
}

// Table is one compiled hash table of a bundle.
type Table struct {
	File    string `json:"file"` // base name in the bundle's folder
	Member  string `json:"member"`
	Entries int    `json:"entries"`
	SHA256  string `json:"sha256"`
}

// BundlePath is the stored, verified tar.
func (in *Installed) BundlePath() string { return filepath.Join(in.Dir, bundleFile) }

// TablePaths are the block and allow tables' paths.
func (in *Installed) TablePaths() (block, allow []string) {
	for _, t := range in.BlockTables {
		block = append(block, filepath.Join(in.Dir, t.File))
	}
	for _, t := range in.AllowTables {
		allow = append(allow, filepath.Join(in.Dir, t.File))
	}
	return block, allow
}

// Store is an opened rule store. Its methods are safe for concurrent use;
// imports and rollbacks run one at a time.
type Store struct {
	dir     string
	trusted []minisign.PublicKey
	opts    Options

	change sync.Mutex // held by Import and Rollback for their whole run

	mu     sync.RWMutex // guards active and kept
	active *Installed
	kept   []*Installed // newest first, the active one included
}

// Open opens the store in dir, creating it if need be. It deletes what an
// interrupted import or prune left behind, and fails with ErrCorrupt when
// the active link names no valid bundle. trusted are the admin keys that
// may sign bundles.
func Open(dir string, trusted []minisign.PublicKey, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Keep <= 0 {
		opts.Keep = DefaultKeep
	}
	if opts.Auditor == nil {
		opts.Auditor = nopAuditor{}
	}
	s := &Store{dir: dir, trusted: trusted, opts: opts}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open rule store: %w", err)
	}
	if err := s.cleanLeftovers(); err != nil {
		return nil, fmt.Errorf("open rule store %s: %w", dir, err)
	}
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("open rule store %s: %w", dir, err)
	}
	return s, nil
}

type nopAuditor struct{}

func (nopAuditor) Append(string, any) error { return nil }

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) cleanLeftovers() error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, stagingPrefix) || strings.HasPrefix(n, trashPrefix) || n == tmpDir ||
			strings.HasPrefix(n, activeLink+".") {
			if err := os.RemoveAll(filepath.Join(s.dir, n)); err != nil {
				return err
			}
		}
	}
	return os.Mkdir(filepath.Join(s.dir, tmpDir), 0o700)
}

// load reads the bundles and the active link.
func (s *Store) load() error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	var kept []*Installed
	for _, e := range ents {
		v, ok := parseVersionDir(e.Name())
		if !ok || !e.IsDir() {
			continue
		}
		in, err := readInstalled(filepath.Join(s.dir, e.Name()))
		if err != nil || in.Version != v {
			// Folders get their version name only when complete; this
			// one was changed by hand. Leave it for an admin to see.
			continue
		}
		kept = append(kept, in)
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Version > kept[j].Version })
	var active *Installed
	target, err := os.Readlink(filepath.Join(s.dir, activeLink))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, activeLink, err)
	default:
		v, ok := parseVersionDir(target)
		for _, in := range kept {
			if ok && in.Version == v {
				active = in
			}
		}
		if active == nil {
			return fmt.Errorf("%w: %s names %q, which holds no valid bundle", ErrCorrupt, activeLink, target)
		}
		active.Active = true
	}
	s.mu.Lock()
	s.active, s.kept = active, kept
	s.mu.Unlock()
	return nil
}

func versionDir(v int) string { return fmt.Sprintf("v%07d", v) }

func parseVersionDir(name string) (int, bool) {
	if len(name) < 8 || name[0] != 'v' {
		return 0, false
	}
	v, err := strconv.Atoi(name[1:])
	if err != nil || v < 1 || versionDir(v) != name {
		return 0, false
	}
	return v, true
}

func readInstalled(dir string) (*Installed, error) {
	data, err := os.ReadFile(filepath.Join(dir, installedFile))
	if err != nil {
		return nil, err
	}
	var in Installed
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	in.Dir = dir
	return &in, nil
}

// Active returns the active bundle, if one was ever activated.
func (s *Store) Active() (*Installed, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.active == nil {
		return nil, false
	}
	in := *s.active
	return &in, true
}

// List returns the bundles held, the active one included, newest first.
func (s *Store) List() []Installed {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Installed, 0, len(s.kept))
	for _, in := range s.kept {
		out = append(out, *in)
	}
	return out
}

// Stale reports whether the active rules need an update, and why: no
// bundle is active, the active one is older than StaleAfter, or it
// expires within ExpiryWarning (or has expired).
func (s *Store) Stale(now time.Time) (stale bool, why string) {
	in, ok := s.Active()
	if !ok {
		return true, "no rule bundle installed"
	}
	if in.Expires != nil {
		if left := in.Expires.Sub(now); left <= 0 {
			return true, fmt.Sprintf("expired on %s", in.Expires.UTC().Format(time.DateOnly))
		} else if left <= ExpiryWarning {
			return true, fmt.Sprintf("expires on %s", in.Expires.UTC().Format(time.DateOnly))
		}
	}
	if s.opts.StaleAfter > 0 {
		if age := now.Sub(in.Created); age > s.opts.StaleAfter {
			return true, fmt.Sprintf("created %d days ago", int(age/(24*time.Hour)))
		}
	}
	return false, ""
}
