package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// FormatVersion is the manifest format this package writes and reads.
const FormatVersion = 1

// MaxManifestSize bounds the manifest ParseManifest and Verify accept.
const MaxManifestSize = 64 << 20

// Manifest lists a transfer. docs/TRANSFER-FORMAT.md specifies it.
type Manifest struct {
	FormatVersion int         `json:"format_version"`
	ID            string      `json:"id"`
	Station       string      `json:"station"`
	Created       time.Time   `json:"created"`
	Expires       *time.Time  `json:"expires,omitempty"`
	Source        Media       `json:"source"`
	Operator      string      `json:"operator,omitempty"`
	Engines       []Component `json:"engines"`
	Rules         []Component `json:"rules"`
	Files         []File      `json:"files"`
	// Blocked counts the files held back, by reason.
	Blocked map[string]int `json:"blocked"`
}

// Media identifies the drive the files came from, as far as it is known.
type Media struct {
	Vendor  string `json:"vendor,omitempty"`
	Model   string `json:"model,omitempty"`
	Serial  string `json:"serial,omitempty"`
	FSUUID  string `json:"fs_uuid,omitempty"`
	FSLabel string `json:"fs_label,omitempty"`
}

// Component is an engine or a rule set, with its version.
type Component struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

var (
	idRE  = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$`)
	hexRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

const maxText = 1024 // longest free-text field

// ParseManifest decodes and checks a manifest. It is strict: an unknown
// format version, unknown or duplicate JSON fields, trailing data, a
// missing field, a duplicate path (also case-insensitively, or as both a
// file and a directory), a path that is absolute, holds "..", a backslash,
// or any component SafeName would change, a negative size, or a sha256
// that is not 64 lowercase hex digits: each is an error.
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("manifest: %d bytes, over the %d limit", len(data), MaxManifestSize)
	}
	if !utf8.Valid(data) {
		return nil, errors.New("manifest: not valid UTF-8")
	}
	if err := checkKeys(data); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, errors.New("manifest: not a JSON object")
	}
	var probe struct {
		FormatVersion *int `json:"format_version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if probe.FormatVersion == nil {
		return nil, errors.New("manifest: no format_version")
	}
	if *probe.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("manifest: format version %d not supported (want %d)", *probe.FormatVersion, FormatVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("manifest: data after the JSON object")
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return &m, nil
}

func (m *Manifest) check() error {
	switch {
	case !idRE.MatchString(m.ID):
		return fmt.Errorf("invalid id %q", m.ID)
	case !stationRE.MatchString(m.Station):
		return fmt.Errorf("invalid station %q", m.Station)
	case m.Created.IsZero():
		return errors.New("no created time")
	case m.Expires != nil && !m.Expires.After(m.Created):
		return errors.New("expires before it was created")
	case m.Engines == nil || m.Rules == nil || m.Files == nil || m.Blocked == nil:
		return errors.New("engines, rules, files and blocked are required")
	case len(m.Files) == 0:
		return errors.New("no files")
	}
	texts := []string{m.Operator, m.Source.Vendor, m.Source.Model, m.Source.Serial, m.Source.FSUUID, m.Source.FSLabel}
	for _, c := range append(append([]Component{}, m.Engines...), m.Rules...) {
		if c.Name == "" {
			return errors.New("engine or rule set without a name")
		}
		texts = append(texts, c.Name, c.Version)
	}
	for reason, n := range m.Blocked {
		if reason == "" || n < 0 {
			return fmt.Errorf("blocked: invalid entry %q: %d", reason, n)
		}
		texts = append(texts, reason)
	}
	for _, t := range texts {
		if len(t) > maxText {
			return fmt.Errorf("text field over %d bytes", maxText)
		}
	}
	return checkFiles(m.Files)
}

func checkFiles(files []File) error {
	seen := make(map[string]bool, len(files)) // fold keys of files and of their directories
	dirs := make(map[string]bool)
	for _, f := range files {
		switch {
		case !safePath(f.Path):
			return fmt.Errorf("unsafe path %q", f.Path)
		case strings.EqualFold(strings.SplitN(f.Path, "/", 2)[0], metaDir):
			return fmt.Errorf("path %q inside %s", f.Path, metaDir)
		case f.Size < 0:
			return fmt.Errorf("%s: negative size", f.Path)
		case !hexRE.MatchString(f.SHA256):
			return fmt.Errorf("%s: sha256 must be 64 lowercase hex digits", f.Path)
		case len(f.Original) > 4096:
			return fmt.Errorf("%s: original name over 4096 bytes", f.Path)
		}
		key := foldKey(f.Path)
		if seen[key] || dirs[key] {
			return fmt.Errorf("duplicate path %q", f.Path)
		}
		seen[key] = true
		for i := strings.LastIndexByte(key, '/'); i > 0; i = strings.LastIndexByte(key[:i], '/') {
			if seen[key[:i]] {
				return fmt.Errorf("path %q is also a file", f.Path[:i])
			}
			dirs[key[:i]] = true
		}
	}
	return nil
}

// checkKeys refuses a JSON text with an object holding the same key twice
// (encoding/json keeps the last, other readers the first), and field names
// other than lowercase ASCII: encoding/json matches names without regard
// to case, even "ſource" to "source", which other readers would not. Only
// the keys of "blocked", which are data, are free.
func checkKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		keys    map[string]bool
		isObj   bool
		free    bool   // keys are data, not field names
		want    bool   // the next token in this object is a key
		lastKey string // the key whose value comes next
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
		if top != nil && top.isObj && top.want {
			if tok == json.Delim('}') {
				stack = stack[:len(stack)-1]
				continue
			}
			k := tok.(string)
			if top.keys[k] {
				return fmt.Errorf("duplicate key %q", k)
			}
			if !top.free && !fieldNameRE.MatchString(k) {
				return fmt.Errorf("invalid field name %q", k)
			}
			top.keys[k] = true
			top.want, top.lastKey = false, k
			continue
		}
		if top != nil && top.isObj {
			top.want = true // tok is the value of top.lastKey
		}
		switch tok {
		case json.Delim('{'):
			free := len(stack) == 1 && top.lastKey == "blocked"
			stack = append(stack, &frame{keys: map[string]bool{}, isObj: true, free: free, want: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}

var fieldNameRE = regexp.MustCompile(`^[a-z0-9_]+$`)
