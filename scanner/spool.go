package scanner

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"
)

// digester computes the digests of bytes written to it.
type digester struct {
	sha256, sha1, md5 hash.Hash
}

func newDigester(needMD5, needSHA1 bool) *digester {
	d := &digester{sha256: sha256.New()}
	if needMD5 {
		d.md5 = md5.New()
	}
	if needSHA1 {
		d.sha1 = sha1.New()
	}
	return d
}

func (d *digester) Write(p []byte) (int, error) {
	d.sha256.Write(p)
	if d.md5 != nil {
		d.md5.Write(p)
	}
	if d.sha1 != nil {
		d.sha1.Write(p)
	}
	return len(p), nil
}

func (d *digester) sums() Sums {
	s := Sums{SHA256: d.sha256.Sum(nil)}
	if d.md5 != nil {
		s.MD5 = d.md5.Sum(nil)
	}
	if d.sha1 != nil {
		s.SHA1 = d.sha1.Sum(nil)
	}
	return s
}

const chunkSize = 256 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// copyChecked copies src into dst and the digester chunk by chunk. Before
// each chunk is written, check is given the total so far including it, so
// that a limit stops the copy before the bytes land in the spool.
func copyChecked(ctx context.Context, dst io.Writer, d *digester, src io.Reader, check func(total int64) error) (int64, error) {
	bp := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(bp)
	buf := *bp
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, rerr := io.ReadFull(src, buf)
		if n > 0 {
			total += int64(n)
			if err := check(total); err != nil {
				return total, err
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return total, &spoolError{err}
			}
			d.Write(buf[:n])
		}
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			return total, nil
		case rerr != nil:
			return total, rerr
		}
	}
}

// spoolError marks a failure to write the station's own spool, as opposed
// to a failure to read the source.
type spoolError struct{ err error }

func (e *spoolError) Error() string { return "write spool: " + e.err.Error() }
func (e *spoolError) Unwrap() error { return e.err }

// errGrew reports a source file that yielded more bytes than its size:
// it changed under us, or a filesystem driver misbehaves. Never trusted.
var errGrew = errors.New("file changed while being read")

// spooled is one file read into the spool, open for inspection.
type spooled struct {
	e    entry
	f    *os.File
	mem  *memBuf // the same bytes in memory, for small objects
	size int64
	sums Sums
	cost int64 // spool budget held until removal
}

func (s *spooled) remove() {
	s.mem.free()
	s.mem = nil
	if s.f == nil {
		return
	}
	discardSpoolFile(s.f)
	s.f = nil
}

// data is the object's bytes when they are held in memory, else nil.
func (s *spooled) data() []byte {
	if s.mem == nil {
		return nil
	}
	return s.mem.data
}

// spoolPath is a path by which engines that open by name reach the spool
// copy, even an unnamed one.
func spoolPath(f *os.File) string {
	return fmt.Sprintf("/proc/self/fd/%d", f.Fd())
}

// readOnce copies the source file into the spool, hashing as it goes.
func (sc *Scanner) readOnce(ctx context.Context, dir string, e entry) (*spooled, error) {
	src, err := openSource(e.abs)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("no longer a regular file")
	}
	size := fi.Size()
	if size <= memObjectMax {
		return sc.readToMemory(ctx, dir, e, src, size)
	}
	dst, err := newSpoolFile(dir)
	if err != nil {
		return nil, err
	}
	d := newDigester(sc.cfg.NeedMD5, sc.cfg.NeedSHA1)
	var counted int64
	n, err := copyChecked(ctx, dst, d, src, func(total int64) error {
		if total > size {
			return errGrew
		}
		sc.progress.addBytes(total - counted)
		counted = total
		return nil
	})
	if err == nil && n != size {
		err = fmt.Errorf("%w: read %d of %d bytes", errGrew, n, size)
	}
	if err == nil {
		_, err = dst.Seek(0, io.SeekStart)
	}
	if err != nil {
		discardSpoolFile(dst)
		return nil, err
	}
	return &spooled{e: e, f: dst, size: n, sums: d.sums()}, nil
}

// readToMemory reads a small source file into memory, where it is
// inspected, and makes the sealed copy the handler is given.
func (sc *Scanner) readToMemory(ctx context.Context, dir string, e entry, src io.Reader, size int64) (*spooled, error) {
	d := newDigester(sc.cfg.NeedMD5, sc.cfg.NeedSHA1)
	var counted int64
	m, err := readSmall(ctx, src, size, d, func(total int64) error {
		sc.progress.addBytes(total - counted)
		counted = total
		return nil
	})
	if err != nil {
		return nil, err
	}
	f, err := sealedCopy(dir, m.data)
	if err != nil {
		m.free()
		return nil, err
	}
	return &spooled{e: e, f: f, mem: m, size: size, sums: d.sums()}, nil
}
