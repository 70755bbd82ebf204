package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"aead.dev/minisign"
)

// SignatureExt is appended to a bundle's path to name its signature.
const SignatureExt = ".minisig"

// maxSignature bounds a .minisig file: a real one is under 400 bytes.
const maxSignature = 64 << 10

// Sign writes bundlePath+".minisig": a prehashed minisign signature of
// the whole tar whose trusted comment is TrustedComment, so that the
// stock "minisign -Vm BUNDLE.tar -p admin.pub" verifies it. It reads the
// bundle as Open does and refuses to sign one that Open would refuse. An
// existing signature is replaced atomically.
func Sign(bundlePath string, key minisign.PrivateKey) error {
	f, err := openBundle(bundlePath, Limits{}.withDefaults())
	if err != nil {
		return fmt.Errorf("sign %s: %w", bundlePath, err)
	}
	defer f.Close()
	d := newDigests(f)
	m, err := readTar(d, Limits{}, discard)
	if err != nil {
		return fmt.Errorf("sign %s: refusing to sign: %w", bundlePath, err)
	}
	sum := d.sha256()
	sig := d.mr.SignWithComments(key, TrustedComment(m, sum),
		"signature from sluice admin key "+keyID(key.ID()))
	if !d.mr.Verify(key.Public().(minisign.PublicKey), sig) {
		return fmt.Errorf("sign %s: the signature does not verify with the key's own public key", bundlePath)
	}
	if err := writeAtomic(bundlePath+SignatureExt, 0o644, func(w io.Writer) error {
		_, err := w.Write(sig)
		return err
	}); err != nil {
		return fmt.Errorf("sign %s: %w", bundlePath, err)
	}
	return nil
}

// TrustedComment is the signed comment of a bundle's signature:
// "bundle:<name> version:<n> sha256:<hex of the tar>".
func TrustedComment(m *Manifest, sha256Hex string) string {
	return "bundle:" + m.Name + " version:" + strconv.Itoa(m.Version) + " sha256:" + sha256Hex
}

func keyID(id uint64) string { return strings.ToUpper(strconv.FormatUint(id, 16)) }

// digests hashes what is read through it: BLAKE2b-512 for minisign's
// prehashed signatures, and SHA-256 for the trusted comment and logs.
type digests struct {
	mr *minisign.Reader
	sh hash.Hash
	r  io.Reader
}

func newDigests(r io.Reader) *digests {
	d := &digests{mr: minisign.NewReader(r), sh: sha256.New()}
	d.r = io.TeeReader(d.mr, d.sh)
	return d
}

func (d *digests) Read(p []byte) (int, error) { return d.r.Read(p) }
func (d *digests) sha256() string             { return hex.EncodeToString(d.sh.Sum(nil)) }

func discard(_ *Member, _ int64, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

// signature is a parsed .minisig and what was found out about it.
type signature struct {
	raw []byte
	sig minisign.Signature
}

// readSignature reads bundlePath's .minisig: ErrUnsigned when there is
// none, ErrBadSignature when it cannot be parsed.
func readSignature(bundlePath string) (*signature, error) {
	f, err := os.Open(bundlePath + SignatureExt)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no %s", ErrUnsigned, filepath.Base(bundlePath)+SignatureExt)
	}
	if err != nil {
		return nil, fmt.Errorf("read signature: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxSignature+1))
	if err != nil {
		return nil, fmt.Errorf("read signature: %w", err)
	}
	if len(raw) > maxSignature {
		return nil, fmt.Errorf("%w: signature file over %d bytes", ErrBadSignature, maxSignature)
	}
	s := &signature{raw: raw}
	if err := s.sig.UnmarshalText(raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if s.sig.Algorithm != minisign.HashEdDSA {
		// Legacy signatures need the whole tar in memory; bundles are
		// always signed prehashed.
		return nil, fmt.Errorf("%w: legacy (not prehashed) signature; sign with 'sluice rules sign'", ErrBadSignature)
	}
	return s, nil
}

// candidates returns the trusted keys with the signature's key id, or
// ErrUntrustedKey.
func (s *signature) candidates(trusted []minisign.PublicKey) ([]minisign.PublicKey, error) {
	var keys []minisign.PublicKey
	for _, k := range trusted {
		if k.ID() == s.sig.KeyID {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: key %s", ErrUntrustedKey, keyID(s.sig.KeyID))
	}
	return keys, nil
}

// verify checks the signature over what d has read, with the keys
// candidates returned, and that the trusted comment names the tar's
// SHA-256. It returns the key that verified.
func (s *signature) verify(d *digests, keys []minisign.PublicKey) (minisign.PublicKey, error) {
	for _, k := range keys {
		if d.mr.Verify(k, s.raw) {
			want := "sha256:" + d.sha256()
			if !containsField(s.sig.TrustedComment, want) {
				return k, fmt.Errorf("%w: trusted comment %q does not name %s", ErrBadSignature, s.sig.TrustedComment, want)
			}
			return k, nil
		}
	}
	return minisign.PublicKey{}, fmt.Errorf("%w: key %s", ErrBadSignature, keyID(s.sig.KeyID))
}

// checkComment checks that the trusted comment names the bundle the tar
// holds.
func (s *signature) checkComment(m *Manifest) error {
	for _, f := range []string{"bundle:" + m.Name, "version:" + strconv.Itoa(m.Version)} {
		if !containsField(s.sig.TrustedComment, f) {
			return fmt.Errorf("%w: trusted comment %q does not name %s", ErrBadSignature, s.sig.TrustedComment, f)
		}
	}
	return nil
}

func containsField(comment, field string) bool {
	for _, f := range strings.Fields(comment) {
		if f == field {
			return true
		}
	}
	return false
}

// openBundle opens a bundle file for reading: a regular file no larger
// than the limits allow.
func openBundle(p string, lim Limits) (*os.File, error) {
	// O_NONBLOCK: a FIFO in a bundle's place opens at once, and is then
	// refused as not a regular file, instead of hanging the reader.
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", p)
	}
	if err == nil && fi.Size() > lim.maxFile() {
		err = fmt.Errorf("%w: the file has %d bytes", ErrTooLarge, fi.Size())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// writeAtomic writes a new file beside p and renames it over p, so that
// readers see the old file or the whole new one.
func writeAtomic(p string, mode os.FileMode, fill func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = fill(f); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), p); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(p)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
