package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// FormatVersion is the bundle format this package writes and reads.
const FormatVersion = 1

// ManifestName is the first member of every bundle.
const ManifestName = "bundle.json"

// Kind says what a member is, and so where it lives in the tar.
type Kind string

// Member kinds.
const (
	KindYARA   Kind = "yara"   // yara/**/*.{yar,yara}: YARA rule source
	KindBlock  Kind = "block"  // hashes/block/*: a hash blocklist, as given
	KindAllow  Kind = "allow"  // hashes/allow/*: a hash allowlist, as given
	KindClamAV Kind = "clamav" // clamav/*.{hdb,hsb,ndb,ldb}: a ClamAV database
)

// Manifest is bundle.json.
type Manifest struct {
	Format   int        `json:"format"`
	Name     string     `json:"name"`
	Version  int        `json:"version"`
	Created  time.Time  `json:"created"`
	Expires  *time.Time `json:"expires,omitempty"`
	Counts   Counts     `json:"counts"`
	Contents []Member   `json:"contents"`
}

// Counts sum up the contents. Rules is what the builder's libyara
// compiled; the others can be checked against the members.
type Counts struct {
	RuleFiles        int `json:"rule_files"`
	Rules            int `json:"rules"`
	BlockLists       int `json:"block_lists"`
	BlockEntries     int `json:"block_entries"`
	AllowLists       int `json:"allow_lists"`
	AllowEntries     int `json:"allow_entries"`
	ClamAVFiles      int `json:"clamav_files"`
	ClamAVSignatures int `json:"clamav_signatures"`
}

// Member is one file in the bundle. Entries counts a hash list's digests
// or a ClamAV database's signatures.
type Member struct {
	Path    string `json:"path"`
	Kind    Kind   `json:"kind"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"`
	Entries int    `json:"entries,omitempty"`
}

var (
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	hexRE  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// keyRE is every key bundle.json has. encoding/json matches keys
	// case-insensitively, with Unicode folding ("ſ" for "s", "K" for
	// "k"), so anything else could alias a field.
	keyRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
)

// maxPath is the longest member path; ustar holds 255 bytes at most.
const maxPath = 255

// Expired reports whether the bundle has expired at now.
func (m *Manifest) Expired(now time.Time) bool {
	return m.Expires != nil && now.After(*m.Expires)
}

// Member returns the listed member at path, or nil.
func (m *Manifest) Member(path string) *Member {
	for i := range m.Contents {
		if m.Contents[i].Path == path {
			return &m.Contents[i]
		}
	}
	return nil
}

// encode marshals the manifest the one way Build writes it.
func (m *Manifest) encode() ([]byte, error) {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// parseManifest reads bundle.json strictly: valid UTF-8, one object,
// no duplicate or unknown keys, the right format version, and contents
// that agree with the counts.
func parseManifest(data []byte) (*Manifest, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: not valid UTF-8", ErrBadManifest)
	}
	if err := checkKeys(data); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	var probe struct {
		Format *int `json:"format"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	if probe.Format == nil {
		return nil, fmt.Errorf("%w: no format", ErrBadManifest)
	}
	if *probe.Format != FormatVersion {
		return nil, fmt.Errorf("%w: %d (this station reads %d)", ErrFormatVersion, *probe.Format, FormatVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrBadManifest)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

func badManifest(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadManifest}, args...)...)
}

// checkMeta checks what the builder chooses: name, version and times.
func (m *Manifest) checkMeta() error {
	switch {
	case !nameRE.MatchString(m.Name):
		return fmt.Errorf("invalid name %q: 1 to 64 letters, digits, '.', '_' or '-'", m.Name)
	case m.Version < 1:
		return fmt.Errorf("version %d, want 1 or more", m.Version)
	case m.Created.IsZero():
		return errors.New("no created time")
	case m.Expires != nil && !m.Expires.After(m.Created):
		return errors.New("expires before it was created")
	}
	return nil
}

func (m *Manifest) check() error {
	bad := badManifest
	if err := m.checkMeta(); err != nil {
		return bad("%v", err)
	}
	if len(m.Contents) == 0 {
		return bad("no contents")
	}
	var c Counts
	folded := make(map[string]bool, len(m.Contents))
	for i, e := range m.Contents {
		if err := checkPath(e.Path); err != nil {
			return bad("contents: %v", err)
		}
		if i > 0 && e.Path <= m.Contents[i-1].Path {
			return bad("contents not sorted by path, or %q listed twice", e.Path)
		}
		k := strings.ToLower(e.Path)
		if folded[k] || k == ManifestName {
			return bad("contents: %q listed twice (names differ only in case)", e.Path)
		}
		folded[k] = true
		if kind, ok := kindOf(e.Path); !ok || kind != e.Kind {
			return bad("contents: %q cannot be of kind %q", e.Path, e.Kind)
		}
		switch {
		case e.Size < 0:
			return bad("contents: %q has a negative size", e.Path)
		case !hexRE.MatchString(e.SHA256):
			return bad("contents: %q: sha256 is not 64 lowercase hex digits", e.Path)
		case e.Entries < 0 || e.Kind == KindYARA && e.Entries != 0:
			return bad("contents: %q: invalid entries %d", e.Path, e.Entries)
		}
		switch e.Kind {
		case KindYARA:
			c.RuleFiles++
		case KindBlock:
			c.BlockLists++
			c.BlockEntries += e.Entries
		case KindAllow:
			c.AllowLists++
			c.AllowEntries += e.Entries
		case KindClamAV:
			c.ClamAVFiles++
			c.ClamAVSignatures += e.Entries
		}
	}
	c.Rules = m.Counts.Rules
	if c.Rules < 0 || c.RuleFiles == 0 && c.Rules != 0 {
		return bad("counts: %d rules in %d rule files", c.Rules, c.RuleFiles)
	}
	if c != m.Counts {
		return bad("counts %+v do not add up to the contents %+v", m.Counts, c)
	}
	return nil
}

// checkKeys walks the JSON text and refuses duplicate keys and keys that
// are not lowercase ASCII, at any depth.
func checkKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if k, ok := tok.(string); ok && top != nil && top.object && top.key {
			if !keyRE.MatchString(k) {
				return fmt.Errorf("unexpected key %q", k)
			}
			if top.keys[k] {
				return fmt.Errorf("duplicate key %q", k)
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		if top != nil && top.object {
			top.key = true // a value was read; a key comes next
		}
		switch tok {
		case json.Delim('{'):
			if top != nil && top.object {
				top.key = true
			}
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, key: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].key = true
			}
		}
		if len(stack) > 16 {
			return errors.New("nested too deeply")
		}
	}
}

// checkPath accepts a member path as Build writes them: relative,
// slash-separated, printable ASCII without backslashes, no empty, "." or
// ".." component, at most maxPath bytes.
func checkPath(p string) error {
	if p == "" || len(p) > maxPath {
		return fmt.Errorf("%w: %q: empty or longer than %d bytes", ErrUnsafePath, p, maxPath)
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == 0:
			return fmt.Errorf("%w: %q: NUL byte", ErrUnsafePath, p)
		case c == '\\':
			return fmt.Errorf("%w: %q: backslash", ErrUnsafePath, p)
		case c >= utf8.RuneSelf && !utf8.ValidString(p):
			return fmt.Errorf("%w: %q: not valid UTF-8", ErrUnsafePath, p)
		case c < 0x20 || c >= 0x7f:
			return fmt.Errorf("%w: %q: control or non-ASCII character", ErrUnsafePath, p)
		}
	}
	if p[0] == '/' {
		return fmt.Errorf("%w: %q: absolute", ErrUnsafePath, p)
	}
	for _, c := range strings.Split(p, "/") {
		switch c {
		case "..":
			return fmt.Errorf("%w: %q: \"..\" component", ErrUnsafePath, p)
		case "", ".":
			return fmt.Errorf("%w: %q: empty or \".\" component", ErrUnsafePath, p)
		}
	}
	return nil
}

// kindOf tells a member's kind from its path: the folder it is in and,
// for rule files and ClamAV databases, its extension. Compiled rules
// (.yarc) have no kind: the station compiles sources itself.
func kindOf(p string) (Kind, bool) {
	dir, base := path.Split(p)
	ext := strings.ToLower(path.Ext(base))
	switch {
	case strings.HasPrefix(p, "yara/") && (ext == ".yar" || ext == ".yara"):
		return KindYARA, true
	case dir == "hashes/block/":
		return KindBlock, true
	case dir == "hashes/allow/":
		return KindAllow, true
	case dir == "clamav/" && isClamAVExt(ext):
		return KindClamAV, true
	}
	return "", false
}

func isClamAVExt(ext string) bool {
	switch ext {
	case ".hdb", ".hsb", ".ndb", ".ldb":
		return true
	}
	return false
}
