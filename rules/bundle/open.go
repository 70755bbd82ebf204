package bundle

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/scanner/yara"
)

// Options tune OpenWith.
type Options struct {
	Now    time.Time // for the expiry check; zero means time.Now()
	Limits Limits
	// TempDir is where the private copy of the bundle is made; empty
	// means os.TempDir().
	TempDir string
}

// Bundle is a verified bundle. Its members are read from a private copy
// of the tar, made while it was checked, so that the bytes used are the
// bytes verified whatever happens to the original. Close removes it.
type Bundle struct {
	Manifest
	// SHA256 is the hex SHA-256 of the tar, as the trusted comment names it.
	SHA256 string
	// KeyID is the id of the trusted key that signed it.
	KeyID   uint64
	f       *os.File
	offsets map[string]int64
}

// Open verifies and reads a bundle with the default limits. See OpenWith.
func Open(bundlePath string, trusted []minisign.PublicKey, now time.Time) (*Bundle, error) {
	return OpenWith(bundlePath, trusted, Options{Now: now})
}

// OpenWith verifies the signature of bundlePath by one of the trusted
// keys, and only then reads the tar as hostile input (see the package
// documentation for what it refuses), copying it to a private file and
// checking every member against bundle.json. The second read is hashed
// again, so a file changed after its signature was checked fails with
// ErrChanged.
//
// An expired bundle is returned together with ErrExpired: the caller
// decides. On any other error the Bundle is nil and nothing is left on disk.
func OpenWith(bundlePath string, trusted []minisign.PublicKey, opts Options) (b *Bundle, err error) {
	lim := opts.Limits.withDefaults()
	fail := func(err error) (*Bundle, error) { return nil, fmt.Errorf("open bundle %s: %w", bundlePath, err) }
	sig, err := readSignature(bundlePath)
	if err != nil {
		return fail(err)
	}
	keys, err := sig.candidates(trusted)
	if err != nil {
		return fail(err)
	}
	f, err := openBundle(bundlePath, lim)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	d := newDigests(f)
	if _, err := io.Copy(io.Discard, d); err != nil {
		return fail(err)
	}
	key, err := sig.verify(d, keys)
	if err != nil {
		return fail(err)
	}
	verified := d.sha256()

	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	cp, err := os.CreateTemp(opts.TempDir, "sluice-bundle-*.tar")
	if err != nil {
		return fail(err)
	}
	defer func() {
		if b == nil {
			cp.Close()
			os.Remove(cp.Name())
		}
	}()
	offsets := map[string]int64{}
	d = newDigests(io.TeeReader(f, cp))
	m, err := readTar(d, lim, func(e *Member, off int64, r io.Reader) error {
		offsets[e.Path] = off
		_, err := io.Copy(io.Discard, r)
		return err
	})
	if err != nil {
		// Read to the end, to tell a signed but refused tar from one
		// changed since its signature was checked.
		io.Copy(io.Discard, d)
	}
	if d.sha256() != verified {
		return fail(fmt.Errorf("%w: sha256 %s after the signature check, %s before", ErrChanged, d.sha256(), verified))
	}
	if err != nil {
		return fail(err)
	}
	if err := sig.checkComment(m); err != nil {
		return fail(err)
	}
	b = &Bundle{Manifest: *m, SHA256: verified, KeyID: key.ID(), f: cp, offsets: offsets}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if m.Expired(now) {
		return b, fmt.Errorf("open bundle %s: %w on %s", bundlePath, ErrExpired, m.Expires.UTC().Format(time.RFC3339))
	}
	return b, nil
}

// Close removes the private copy.
func (b *Bundle) Close() error {
	err := b.f.Close()
	if rerr := os.Remove(b.f.Name()); err == nil {
		err = rerr
	}
	return err
}

// Path is the private copy of the verified tar, for a caller that keeps
// bundles: link or copy it before Close removes it.
func (b *Bundle) Path() string { return b.f.Name() }

// Reader reads a member's bytes, as verified, from the private copy.
// It returns nil for a member the bundle does not hold.
func (b *Bundle) Reader(m *Member) *io.SectionReader {
	off, ok := b.offsets[m.Path]
	if !ok {
		return nil
	}
	return io.NewSectionReader(b.f, off, m.Size)
}

// Members returns the members of one kind, sorted by path.
func (b *Bundle) Members(kind Kind) []Member {
	var ms []Member
	for _, m := range b.Contents {
		if m.Kind == kind {
			ms = append(ms, m)
		}
	}
	return ms
}

// YARA reads the rule sources, named by their member paths and without
// a path on disk: bundled rules cannot include files, as Build checked.
func (b *Bundle) YARA() ([]yara.Source, error) {
	var srcs []yara.Source
	for _, m := range b.Members(KindYARA) {
		data, err := io.ReadAll(b.Reader(&m))
		if err != nil {
			return nil, fmt.Errorf("read bundle rules: %w", err)
		}
		srcs = append(srcs, yara.Source{Name: m.Path, Data: data})
	}
	return srcs, nil
}

// SigStatus is what Inspect found of a bundle's signature.
type SigStatus string

// Signature statuses.
const (
	SigValid     SigStatus = "valid"     // by a trusted key, over these bytes
	SigUnsigned  SigStatus = "unsigned"  // no .minisig
	SigUntrusted SigStatus = "untrusted" // by a key not in the trusted list
	SigBad       SigStatus = "bad"       // malformed, or does not verify
	SigUnchecked SigStatus = "unchecked" // signed, but no trusted key was given
)

// Info is what Inspect reports.
type Info struct {
	Manifest  *Manifest // nil when the tar could not be read
	Size      int64
	SHA256    string
	Signature SigStatus
	KeyID     uint64 // the signing key's id, when there is a signature
	// SigProblem says why the signature is not valid.
	SigProblem string
	Comment    string // the trusted comment, when there is a signature
}

// Inspect reads a bundle and its signature without trusting either. The
// signature's status is reported, never an error; the error is for a
// bundle that cannot be read or that Open would refuse, and Info is
// returned with it as far as it got.
func Inspect(bundlePath string, trusted []minisign.PublicKey) (*Info, error) {
	lim := Limits{}.withDefaults()
	f, err := openBundle(bundlePath, lim)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", bundlePath, err)
	}
	defer f.Close()
	info := &Info{}
	if fi, err := f.Stat(); err == nil {
		info.Size = fi.Size()
	}
	d := newDigests(f)
	m, terr := readTar(d, lim, discard)
	if _, err := io.Copy(io.Discard, d); err != nil && terr == nil {
		terr = err
	}
	info.Manifest, info.SHA256 = m, d.sha256()
	sig, err := readSignature(bundlePath)
	if sig != nil {
		info.KeyID, info.Comment = sig.sig.KeyID, sig.sig.TrustedComment
	}
	if err == nil && len(trusted) == 0 {
		info.Signature = SigUnchecked
	} else if err == nil {
		var keys []minisign.PublicKey
		if keys, err = sig.candidates(trusted); err == nil {
			_, err = sig.verify(d, keys)
		}
		if err == nil && m != nil {
			err = sig.checkComment(m)
		}
	}
	switch {
	case info.Signature == SigUnchecked:
	case err == nil:
		info.Signature = SigValid
	case errors.Is(err, ErrUnsigned):
		info.Signature = SigUnsigned
	case errors.Is(err, ErrUntrustedKey):
		info.Signature, info.SigProblem = SigUntrusted, err.Error()
	default:
		info.Signature, info.SigProblem = SigBad, err.Error()
	}
	if terr != nil {
		return info, fmt.Errorf("inspect %s: %w", bundlePath, terr)
	}
	return info, nil
}
