package transfer

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// StagingPrefix starts the name of every staging directory in a
// destination. Nothing else uses it, so CleanStale can find them.
const StagingPrefix = ".sluice-staging-"

// Options configure a transfer.
type Options struct {
	// StationID names the signing station: 1 to 64 of [A-Za-z0-9._-],
	// starting with a letter or digit.
	StationID string
	// Expires is how long the transfer stays valid; 0 means forever.
	Expires time.Duration
	// Now and Rand default to time.Now and crypto/rand.Reader. Rand only
	// feeds the transfer id.
	Now  func() time.Time
	Rand io.Reader
}

// File is one file of a transfer, as the manifest lists it.
type File struct {
	// Path is slash-separated and relative to the transfer root.
	Path string `json:"path"`
	// Original is the path the drive gave, when Path differs from it.
	// Bytes that were not valid UTF-8 are shown as U+FFFD.
	Original string `json:"original,omitempty"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
}

// Staging is a transfer being built in dest/.sluice-staging-<id>. Its
// methods are safe for concurrent use.
type Staging struct {
	dest, dir, id string
	station       string
	expires       time.Duration
	now           func() time.Time
	unlock        func()

	mu       sync.Mutex
	root     *node
	files    []File
	seq      int
	inflight int
	err      error // the destination failure that closed the staging
	closed   bool
	manifest *Manifest
}

var stationRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Begin creates a staging directory inside dest, on the same filesystem,
// so that Publish can move the finished transfer into place with one
// rename. The staging directory is private (0700) until then.
func Begin(dest string, opts Options) (*Staging, error) {
	if !stationRE.MatchString(opts.StationID) {
		return nil, fmt.Errorf("begin transfer: invalid station id %q", opts.StationID)
	}
	if opts.Expires < 0 {
		return nil, fmt.Errorf("begin transfer: negative expiry %v", opts.Expires)
	}
	now, rnd := opts.Now, opts.Rand
	if now == nil {
		now = time.Now
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	fi, err := os.Stat(dest)
	if err != nil {
		return nil, fmt.Errorf("begin transfer: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("begin transfer: %s is not a directory", dest)
	}
	var nonce [4]byte
	if _, err := io.ReadFull(rnd, nonce[:]); err != nil {
		return nil, fmt.Errorf("begin transfer: transfer id: %w", err)
	}
	id := now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(nonce[:])
	s := &Staging{
		dest: dest, dir: filepath.Join(dest, StagingPrefix+id), id: id,
		station: opts.StationID, expires: opts.Expires, now: now,
		root: &node{kids: map[string]*node{}},
	}
	if err := os.Mkdir(s.dir, 0o700); err != nil {
		return nil, destError(err)
	}
	if err := s.setup(); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	return s, nil
}

func (s *Staging) setup() error {
	if err := normalizeDir(s.dir, 0o700); err != nil {
		return err
	}
	unlock, err := lockDir(s.dir)
	if err != nil {
		return destError(err)
	}
	s.unlock = unlock
	for _, d := range []string{metaDir, metaDir + "/blobs"} {
		if err := mkdir(filepath.Join(s.dir, d)); err != nil {
			unlock()
			return err
		}
	}
	return nil
}

// ID is the transfer id, also the final directory name under dest.
func (s *Staging) ID() string { return s.id }

// Add copies one scanned file into the staging. rel is the file's path on
// the drive (slash-separated, untrusted); size and sha256hex are what the
// scanner measured. Add hashes the bytes again while copying and refuses
// them (ErrMismatch, removing the partial copy) unless they match: what
// was scanned is what is copied.
//
// The returned File has the path made safe by SafeName. Collisions
// between safe names are resolved by Publish, which may add a " (n)"
// suffix; the manifest holds the final paths.
//
// A failure of the destination (ErrNoSpace, ErrReadOnly, ErrNotWritable or
// another write error) aborts the whole staging and is returned by every
// later call; a mismatch or a bad path only refuses this file.
func (s *Staging) Add(rel string, r io.Reader, size int64, sha256hex string) (File, error) {
	want, err := hex.DecodeString(sha256hex)
	if err != nil || len(want) != sha256.Size || strings.ToLower(sha256hex) != sha256hex {
		return File{}, fmt.Errorf("add %q: sha256 must be 64 lowercase hex digits", rel)
	}
	if size < 0 {
		return File{}, fmt.Errorf("add %q: negative size %d", rel, size)
	}
	comps := strings.Split(rel, "/")
	safe := make([]string, len(comps))
	for i, c := range comps {
		safe[i] = SafeName(c)
	}
	safeRel := strings.Join(safe, "/")
	if len(comps) > maxDepth || len(safeRel) > maxPathBytes {
		return File{}, fmt.Errorf("add %q: %w: over %d components or %d bytes", rel, ErrBadPath, maxDepth, maxPathBytes)
	}

	s.mu.Lock()
	if err := s.usable(); err != nil {
		s.mu.Unlock()
		return File{}, fmt.Errorf("add %q: %w", rel, err)
	}
	leaf, err := s.root.insert(comps)
	if err != nil {
		s.mu.Unlock()
		return File{}, fmt.Errorf("add %q: %w", rel, err)
	}
	s.seq++
	s.inflight++
	blob := filepath.Join(s.dir, metaDir, "blobs", strconv.Itoa(s.seq))
	s.mu.Unlock()

	err = copyChecked(blob, r, size, want)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight--
	if err == nil && s.closed {
		err = ErrClosed
	}
	if err != nil {
		leaf.remove()
		os.Remove(blob)
		if isDestError(err) && !s.closed {
			s.err = err
			s.abortLocked()
		}
		return File{}, fmt.Errorf("add %q: %w", rel, err)
	}
	f := File{Path: safeRel, Size: size, SHA256: sha256hex}
	if safeRel != rel {
		f.Original = strings.ToValidUTF8(rel, "\uFFFD")
	}
	leaf.file = len(s.files)
	leaf.blob = blob
	s.files = append(s.files, f)
	return f, nil
}

func (s *Staging) usable() error {
	switch {
	case s.err != nil:
		return fmt.Errorf("%w after an earlier failure: %w", ErrClosed, s.err)
	case s.closed:
		return ErrClosed
	}
	return nil
}

// copyChecked copies exactly size bytes from r into a new file at path,
// failing with ErrMismatch when r holds fewer or more bytes or other bytes.
func copyChecked(path string, r io.Reader, size int64, want []byte) (err error) {
	f, err := createFile(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = destError(cerr)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(destWriter{f}, h), io.LimitReader(r, size))
	if err != nil {
		var we destWriteError
		if errors.As(err, &we) {
			return destError(we.err)
		}
		return fmt.Errorf("read scanned copy: %w", err)
	}
	if n < size {
		return fmt.Errorf("%w: %d bytes, scanned %d", ErrMismatch, n, size)
	}
	var one [1]byte
	if m, _ := io.ReadFull(r, one[:]); m > 0 {
		return fmt.Errorf("%w: more than the %d bytes scanned", ErrMismatch, size)
	}
	if got := h.Sum(nil); !bytes.Equal(got, want) {
		return fmt.Errorf("%w: sha256 %x, scanned %x", ErrMismatch, got, want)
	}
	if err := f.Sync(); err != nil {
		return destError(err)
	}
	return nil
}

// destWriter marks write errors so that they are not taken for read errors
// of the source.
type destWriter struct{ f *os.File }

type destWriteError struct{ err error }

func (e destWriteError) Error() string { return e.err.Error() }
func (e destWriteError) Unwrap() error { return e.err }

func (w destWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = destWriteError{err}
	}
	return n, err
}

// Abort removes the staging directory. It is safe to call more than once,
// and after Publish, when it does nothing.
func (s *Staging) Abort() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	return s.abortLocked()
}

func (s *Staging) abortLocked() error {
	s.closed = true
	err := os.RemoveAll(s.dir)
	s.unlock()
	if err != nil {
		return fmt.Errorf("abort transfer: %w", err)
	}
	return nil
}

// CleanStale removes the staging directories that a crash left in dest and
// returns their paths. A staging directory that a live Staging holds (it
// keeps a lock on it) is left alone.
func CleanStale(dest string) ([]string, error) {
	entries, err := os.ReadDir(dest)
	if err != nil {
		return nil, fmt.Errorf("clean stale transfers: %w", err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), StagingPrefix) || !e.IsDir() {
			continue
		}
		dir := filepath.Join(dest, e.Name())
		unlock, err := tryLockDir(dir)
		if err != nil {
			continue // in use, or vanished
		}
		err = os.RemoveAll(dir)
		unlock()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, dir)
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("clean stale transfers: %w", err)
	}
	return removed, nil
}

// mkdir creates a directory with mode 0755 whatever the umask, and
// without the xattrs it inherits.
func mkdir(path string) error {
	if err := os.Mkdir(path, 0o755); err != nil {
		return destError(err)
	}
	return normalizeDir(path, 0o755)
}

// normalizeDir removes the xattrs a new directory inherited (a default
// ACL would be passed on to everything made in it) and sets its mode.
func normalizeDir(path string, mode os.FileMode) error {
	d, err := openDir(path)
	if err != nil {
		return destError(err)
	}
	defer d.Close()
	if err := clearXattrs(d); err != nil {
		return destError(err)
	}
	return destError(d.Chmod(mode))
}
