package transfer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"aead.dev/minisign"
)

// Problem kinds reported by Verify.
const (
	ProblemUnsigned          = "unsigned"           // no signature file
	ProblemBadSignature      = "bad-signature"      // malformed, or does not verify
	ProblemUntrustedKey      = "untrusted-key"      // signed by a key not in the trusted list
	ProblemCommentMismatch   = "comment-mismatch"   // trusted comment disagrees with the manifest
	ProblemMissingManifest   = "missing-manifest"   // no .sluice/manifest.json
	ProblemMalformedManifest = "malformed-manifest" // ParseManifest refused it
	ProblemExpired           = "expired"
	ProblemMissingFile       = "missing-file"
	ProblemChangedFile       = "changed-file"  // sha256 differs
	ProblemSizeMismatch      = "size-mismatch" // size differs
	ProblemSymlink           = "symlink"       // a symlink anywhere under the root
	ProblemNotRegular        = "not-regular"   // a listed path is a directory, device...
	ProblemExtraFile         = "extra-file"    // an unlisted file (or device, FIFO...)
	ProblemExtraDir          = "extra-dir"     // a directory holding no listed file
	ProblemUnreadable        = "unreadable"    // could not be read
)

// Problem is one reason a transfer is not valid.
type Problem struct {
	Kind   string `json:"kind"`
	Path   string `json:"path,omitempty"` // slash-separated, relative to the root
	Detail string `json:"detail,omitempty"`
}

func (p Problem) String() string {
	s := p.Kind
	if p.Path != "" {
		s += " " + p.Path
	}
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	return s
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	Now          func() time.Time // defaults to time.Now
	IgnoreExpiry bool
}

// Verify checks the transfer at root (a published transfer directory, or a
// drive root holding .sluice/): the manifest is signed by one of the
// trusted keys, well formed and not expired; every listed file is a
// regular file (symlinks are never followed) with the listed size and
// sha256; and nothing else is there but .sluice/manifest.json and its
// .minisig. The transfer is valid exactly when no problem is returned.
//
// The manifest is returned whenever it could be parsed, even when it is
// not authentic, so that callers can show what it claims; trust it only
// with an empty problem list. The error is for when root could not be
// checked at all.
func Verify(root string, trusted []minisign.PublicKey, opts VerifyOptions) (*Manifest, []Problem, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	fi, err := os.Lstat(root)
	if err != nil {
		return nil, nil, fmt.Errorf("verify: %w", err)
	}
	if !fi.IsDir() {
		return nil, nil, fmt.Errorf("verify: %s is not a directory", root)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, nil, fmt.Errorf("verify: %w", err)
	}
	defer r.Close()
	v := &verifier{root: r}
	tree, err := v.scan(root)
	if err != nil {
		return nil, nil, fmt.Errorf("verify: %w", err)
	}
	m := v.manifest(tree, trusted)
	if m != nil {
		if !opts.IgnoreExpiry && m.Expires != nil && now().After(*m.Expires) {
			v.add(ProblemExpired, ManifestPath, "expired "+m.Expires.UTC().Format(time.RFC3339))
		}
		v.files(m, tree)
	}
	sort.Slice(v.problems, func(i, j int) bool {
		a, b := v.problems[i], v.problems[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Detail < b.Detail
	})
	return m, v.problems, nil
}

type verifier struct {
	root     *os.Root
	problems []Problem
}

func (v *verifier) add(kind, path, detail string) {
	v.problems = append(v.problems, Problem{Kind: kind, Path: path, Detail: detail})
}

// scan lists everything under root without following links, by relative
// path.
func (v *verifier) scan(root string) (map[string]fs.FileInfo, error) {
	tree := map[string]fs.FileInfo{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if p == root {
			return err
		}
		rel, rerr := filepath.Rel(root, p)
		if rerr != nil {
			return rerr
		}
		rel = filepath.ToSlash(rel)
		if err != nil {
			v.add(ProblemUnreadable, rel, err.Error())
			return nil
		}
		info, err := d.Info()
		if err != nil {
			v.add(ProblemUnreadable, rel, err.Error())
			return nil
		}
		tree[rel] = info
		return nil
	})
	return tree, err
}

// manifest reads and authenticates the manifest; it returns nil when there
// is none or it cannot be parsed.
func (v *verifier) manifest(tree map[string]fs.FileInfo, trusted []minisign.PublicKey) *Manifest {
	data, ok := v.readMeta(tree, ManifestPath, MaxManifestSize, ProblemMissingManifest)
	if !ok {
		if _, ok := tree[SignaturePath]; !ok {
			v.add(ProblemUnsigned, SignaturePath, "no signature")
		}
		return nil
	}
	m, err := ParseManifest(data)
	if err != nil {
		v.add(ProblemMalformedManifest, ManifestPath, err.Error())
	}
	sig, ok := v.readMeta(tree, SignaturePath, 64<<10, ProblemUnsigned)
	if ok {
		v.signature(data, sig, m, trusted)
	}
	return m
}

func (v *verifier) readMeta(tree map[string]fs.FileInfo, name string, max int64, missing string) ([]byte, bool) {
	fi, ok := tree[name]
	switch {
	case !ok:
		v.add(missing, name, "not found")
		return nil, false
	case !fi.Mode().IsRegular():
		v.add(kindOfIrregular(fi), name, "not a regular file")
		return nil, false
	case fi.Size() > max:
		v.add(ProblemUnreadable, name, fmt.Sprintf("%d bytes, over the %d limit", fi.Size(), max))
		return nil, false
	}
	f, err := v.open(name, fi)
	if err != nil {
		v.add(ProblemUnreadable, name, err.Error())
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(data)) > max {
		err = fmt.Errorf("over the %d limit", max)
	}
	if err != nil {
		v.add(ProblemUnreadable, name, err.Error())
		return nil, false
	}
	return data, true
}

// open opens a file the scan saw as regular, making sure it is still that
// same file: os.Root keeps the open inside root, SameFile catches a swap.
func (v *verifier) open(name string, seen fs.FileInfo) (*os.File, error) {
	f, err := v.root.OpenFile(name, os.O_RDONLY|noFollow|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && (!fi.Mode().IsRegular() || !os.SameFile(fi, seen)) {
		err = errors.New("replaced while being checked")
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (v *verifier) signature(data, sig []byte, m *Manifest, trusted []minisign.PublicKey) {
	var s minisign.Signature
	if err := s.UnmarshalText(sig); err != nil {
		v.add(ProblemBadSignature, SignaturePath, err.Error())
		return
	}
	var candidates []minisign.PublicKey
	for _, k := range trusted {
		if k.ID() == s.KeyID {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		v.add(ProblemUntrustedKey, SignaturePath, fmt.Sprintf("key id %016X is not trusted", s.KeyID))
		return
	}
	verified := false
	for _, k := range candidates {
		if minisign.Verify(k, data, sig) {
			verified = true
			break
		}
	}
	if !verified {
		v.add(ProblemBadSignature, SignaturePath, fmt.Sprintf("does not verify with key %016X", s.KeyID))
		return
	}
	if m != nil {
		if d := commentMismatch(s.TrustedComment, m); d != "" {
			v.add(ProblemCommentMismatch, SignaturePath, d)
		}
	}
}

// commentMismatch checks the trusted comment against the manifest: it
// must name the transfer; station and time, when present, must agree.
func commentMismatch(comment string, m *Manifest) string {
	fields := map[string]string{}
	for _, f := range strings.Fields(comment) {
		if k, val, ok := strings.Cut(f, ":"); ok {
			fields[k] = val
		}
	}
	want := map[string]string{
		"transfer": m.ID, "station": m.Station, "time": m.Created.UTC().Format(time.RFC3339),
	}
	if _, ok := fields["transfer"]; !ok {
		return fmt.Sprintf("trusted comment %q names no transfer", comment)
	}
	for _, k := range []string{"transfer", "station", "time"} {
		if got, ok := fields[k]; ok && got != want[k] {
			return fmt.Sprintf("trusted comment says %s:%s, manifest %s", k, got, want[k])
		}
	}
	return ""
}

// files checks every listed file, then reports whatever else is there.
func (v *verifier) files(m *Manifest, tree map[string]fs.FileInfo) {
	listed := make(map[string]bool, len(m.Files))
	dirs := map[string]bool{metaDir: true}
	for _, f := range m.Files {
		listed[f.Path] = true
		for i := strings.LastIndexByte(f.Path, '/'); i > 0; i = strings.LastIndexByte(f.Path[:i], '/') {
			dirs[f.Path[:i]] = true
		}
		fi, ok := tree[f.Path]
		switch {
		case !ok:
			v.add(ProblemMissingFile, f.Path, "listed, not found")
		case !fi.Mode().IsRegular():
			v.add(kindOfIrregular(fi), f.Path, "listed as a regular file, found a "+typeName(fi))
		case fi.Size() != f.Size:
			v.add(ProblemSizeMismatch, f.Path, fmt.Sprintf("%d bytes, listed %d", fi.Size(), f.Size))
		default:
			v.checkContent(f, fi)
		}
	}
	for p, fi := range tree {
		switch {
		case listed[p] || p == ManifestPath || p == SignaturePath:
		case fi.Mode()&fs.ModeSymlink != 0:
			v.add(ProblemSymlink, p, "unlisted symlink")
		case fi.IsDir() && dirs[p]:
		case fi.IsDir():
			v.add(ProblemExtraDir, p, "not in the manifest")
		default:
			v.add(ProblemExtraFile, p, "not in the manifest")
		}
	}
}

func (v *verifier) checkContent(f File, seen fs.FileInfo) {
	fh, err := v.open(f.Path, seen)
	if err != nil {
		v.add(ProblemUnreadable, f.Path, err.Error())
		return
	}
	defer fh.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(fh, f.Size+1))
	switch {
	case err != nil:
		v.add(ProblemUnreadable, f.Path, err.Error())
	case n != f.Size:
		v.add(ProblemSizeMismatch, f.Path, fmt.Sprintf("read %d bytes, listed %d", n, f.Size))
	case hex.EncodeToString(h.Sum(nil)) != f.SHA256:
		v.add(ProblemChangedFile, f.Path, "sha256 "+hex.EncodeToString(h.Sum(nil))+", listed "+f.SHA256)
	}
}

func typeName(fi fs.FileInfo) string {
	switch t := fi.Mode().Type(); {
	case t&fs.ModeSymlink != 0:
		return "symlink"
	case t&fs.ModeDir != 0:
		return "directory"
	case t&fs.ModeNamedPipe != 0:
		return "named pipe"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

func kindOfIrregular(fi fs.FileInfo) string {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return ProblemSymlink
	}
	return ProblemNotRegular
}
