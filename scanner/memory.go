package scanner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
)

// Small objects are read once into station memory instead of a spool
// file: most files and archive members are a few KiB, and for them the
// cost of a spool file (an inode made and freed on the spool's
// filesystem, the kernel searching its bitmaps past recently deleted
// ones, libyara mapping the file) outweighs the scan itself.
const (
	// memObjectMax is the largest object held in memory. A top-level file
	// that large holds its budget twice (its buffer and the sealed copy
	// given to the handler); an archive member that grows past it is
	// moved to a spool file.
	memObjectMax = 1 << 20
	// smallBuf is the size of the buffers that take most objects.
	smallBuf = 64 << 10
)

var (
	smallPool = sync.Pool{New: func() any { b := make([]byte, smallBuf); return &b }}
	largePool = sync.Pool{New: func() any { b := make([]byte, memObjectMax); return &b }}
)

// memBuf is a pooled buffer holding one object's bytes.
type memBuf struct {
	p    *[]byte
	data []byte // the object's bytes, within *p
}

// getBuf returns a buffer with room for n bytes, n ≤ memObjectMax.
func getBuf(n int) *memBuf {
	if n <= smallBuf {
		return &memBuf{p: smallPool.Get().(*[]byte)}
	}
	return &memBuf{p: largePool.Get().(*[]byte)}
}

// free returns the buffer to its pool. The object's Data must no longer
// be used: engines only see it during Scan.
func (m *memBuf) free() {
	if m == nil || m.p == nil {
		return
	}
	if cap(*m.p) == smallBuf {
		smallPool.Put(m.p)
	} else {
		largePool.Put(m.p)
	}
	m.p, m.data = nil, nil
}

// readSmall reads a source file of the given size, at most memObjectMax,
// into a buffer, hashing it. check is told the total after each read, so
// that progress moves; a file that yields more than size is refused.
func readSmall(ctx context.Context, src io.Reader, size int64, d *digester, check func(total int64) error) (*memBuf, error) {
	m := getBuf(int(size))
	buf := (*m.p)[:size]
	var total int
	for total < len(buf) {
		if err := ctx.Err(); err != nil {
			m.free()
			return nil, err
		}
		n, err := src.Read(buf[total:min(len(buf), total+chunkSize)])
		total += n
		if cerr := check(int64(total)); cerr != nil {
			m.free()
			return nil, cerr
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			m.free()
			return nil, err
		}
	}
	if total < len(buf) {
		m.free()
		return nil, fmt.Errorf("%w: read %d of %d bytes", errGrew, total, size)
	}
	// One more byte means the file grew since it was measured.
	var probe [1]byte
	n, err := io.ReadFull(src, probe[:])
	if n > 0 {
		m.free()
		return nil, errGrew
	}
	if err != nil && err != io.EOF {
		m.free()
		return nil, err
	}
	d.Write(buf)
	m.data = buf
	return m, nil
}

// readMember reads an archive member into memory while it fits in
// memObjectMax. When it does not, the bytes read so far are returned in
// rest with more set, for the caller to continue into a spool file.
// check is told the total before each chunk is kept.
func readMember(ctx context.Context, r io.Reader, check func(total int64) error) (m *memBuf, more bool, err error) {
	m = getBuf(smallBuf)
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			m.free()
			return nil, false, err
		}
		buf := *m.p
		if n == len(buf) {
			if len(buf) == memObjectMax {
				m.data = buf
				return m, true, nil
			}
			big := getBuf(memObjectMax)
			copy(*big.p, buf)
			m.free()
			m = big
			buf = *m.p
		}
		k, rerr := r.Read(buf[n:min(len(buf), n+chunkSize)])
		if k > 0 {
			if cerr := check(int64(n + k)); cerr != nil {
				m.free()
				return nil, false, cerr
			}
			n += k
		}
		switch {
		case rerr == io.EOF:
			m.data = buf[:n]
			return m, false, nil
		case rerr != nil:
			m.free()
			return nil, false, rerr
		}
	}
}

// sealedCopy makes the handler's copy of a file held in memory: a file in
// memory that nothing, this process included, can change once written,
// at offset 0. Where memory files or seals are not available (an old
// kernel, a seccomp filter), a spool file does: nothing else holds it
// open either.
func sealedCopy(dir string, data []byte) (*os.File, error) {
	if f, err := newMemFile(); err == nil {
		if _, err := f.Write(data); err != nil {
			discardSpoolFile(f)
			return nil, &spoolError{err}
		}
		if seal(f) == nil {
			return rewound(f)
		}
		discardSpoolFile(f)
	}
	f, err := newSpoolFile(dir)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		discardSpoolFile(f)
		return nil, &spoolError{err}
	}
	return rewound(f)
}

func rewound(f *os.File) (*os.File, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		discardSpoolFile(f)
		return nil, &spoolError{err}
	}
	return f, nil
}

// readerAt gives the object's bytes: from memory or from its spool copy.
func (o *Object) readerAt() io.ReaderAt {
	if o.Data != nil {
		return bytes.NewReader(o.Data)
	}
	return o.File
}
