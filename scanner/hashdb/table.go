package hashdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
)

// List is an opened hash table. Lookups are safe for concurrent use and
// read the mapped file in place; Close must wait until they have returned.
// The file must not be changed while open: Write and Load replace tables
// by rename, never in place.
type List struct {
	name  string
	data  []byte
	unmap func([]byte) error
	secs  [SHA256 + 1]section // indexed by Algo
	pool  []byte
}

// section is one algorithm's records as mapped from the file.
type section struct {
	count int
	bits  uint
	size  int    // digest bytes
	width int    // record bytes: digest and label offset
	index []byte // 1<<bits+1 little-endian uint32 record numbers
	recs  []byte
}

// Open maps the table at path read-only and checks its header. It reads
// only the header: a lookup pages in what it needs. The list is named
// after the file's base name.
func Open(path string) (*List, error) {
	l, err := open(path)
	if err != nil {
		return nil, fmt.Errorf("open hash list %s: %w", path, err)
	}
	l.name = filepath.Base(path)
	return l, nil
}

func open(path string) (*List, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: not a regular file", ErrCorrupt)
	}
	size := fi.Size()
	if size < headerSize {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrCorrupt, size)
	}
	data, unmap, err := mapFile(f, size)
	if err != nil {
		return nil, err
	}
	l, err := newList(data)
	if err != nil {
		_ = unmap(data)
		return nil, err
	}
	l.unmap = unmap
	return l, nil
}

// newList checks the header of data and slices its sections. It touches
// the header page only.
func newList(data []byte) (*List, error) {
	h, err := parseHeader(data, uint64(len(data)))
	if err != nil {
		return nil, err
	}
	l := &List{data: data, pool: data[h.poolOff : h.poolOff+h.poolLen]}
	for i, a := range algos {
		sh := h.secs[i]
		if sh.count == 0 {
			continue
		}
		idxEnd := sh.off + sh.indexLen()
		l.secs[a] = section{
			count: int(sh.count),
			bits:  uint(sh.bits),
			size:  a.Size(),
			width: int(sh.width),
			index: data[sh.off:idxEnd],
			recs:  data[idxEnd : idxEnd+sh.count*uint64(sh.width)],
		}
	}
	return l, nil
}

// Name returns the list name shown in verdicts.
func (l *List) Name() string { return l.name }

// Len returns the number of distinct digests of algorithm a.
func (l *List) Len(a Algo) int {
	if int(a) >= len(l.secs) {
		return 0
	}
	return l.secs[a].count
}

// Needs reports whether the list holds MD5 or SHA-1 digests, so that the
// scanner computes those only when they can match.
func (l *List) Needs() (md5, sha1 bool) {
	return l.secs[MD5].count > 0, l.secs[SHA1].count > 0
}

// Lookup reports whether the list holds sum as a digest of algorithm a,
// and its label. A corrupt table may answer wrongly but never panics.
func (l *List) Lookup(a Algo, sum []byte) (label string, ok bool) {
	if int(a) >= len(l.secs) {
		return "", false
	}
	s := &l.secs[a]
	if s.count == 0 || len(sum) != s.size {
		return "", false
	}
	b := bucketOf(sum, s.bits)
	lo := int(binary.LittleEndian.Uint32(s.index[4*b:]))
	hi := int(binary.LittleEndian.Uint32(s.index[4*b+4:]))
	if lo > hi || hi > s.count {
		return "", false
	}
	i := s.find(sum, lo, hi)
	if i < 0 {
		return "", false
	}
	return l.label(binary.LittleEndian.Uint32(s.recs[i*s.width+s.size:])), true
}

// find returns the number of the record holding sum among records
// [lo, hi), or -1. Digests spread evenly within a bucket, so find starts
// where the next bits of sum place it, gallops out to bracket it and
// binary-searches the bracket: a few neighbouring cache lines rather than
// log2(bucket) scattered ones. Skewed lists still cost O(log n).
func (s *section) find(sum []byte, lo, hi int) int {
	n := hi - lo
	if n <= 0 {
		return -1
	}
	frac := binary.BigEndian.Uint64(sum) << s.bits >> 32
	g := lo + int(uint64(n)*frac>>32)
	switch c := s.cmp(g, sum); {
	case c == 0:
		return g
	case c < 0:
		lo = g + 1
		for step := 1; g+step < hi; step <<= 1 {
			c := s.cmp(g+step, sum)
			if c == 0 {
				return g + step
			}
			if c > 0 {
				hi = g + step
				break
			}
			lo = g + step + 1
		}
	default:
		hi = g
		for step := 1; g-step >= lo; step <<= 1 {
			c := s.cmp(g-step, sum)
			if c == 0 {
				return g - step
			}
			if c < 0 {
				lo = g - step + 1
				break
			}
			hi = g - step
		}
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := s.cmp(m, sum); {
		case c < 0:
			lo = m + 1
		case c > 0:
			hi = m
		default:
			return m
		}
	}
	return -1
}

// cmp compares record i's digest with sum.
func (s *section) cmp(i int, sum []byte) int {
	return bytes.Compare(s.recs[i*s.width:i*s.width+s.size], sum)
}

// label returns the pool string at off, or "" when a corrupt offset or
// length points outside the pool.
func (l *List) label(off uint32) string {
	if uint64(off) >= uint64(len(l.pool)) {
		return ""
	}
	end := int(off) + 1 + int(l.pool[off])
	if end > len(l.pool) {
		return ""
	}
	return string(l.pool[off+1 : end])
}

// Close unmaps the table. Lookups after Close find nothing.
func (l *List) Close() error {
	data, unmap := l.data, l.unmap
	*l = List{name: l.name}
	if unmap == nil {
		return nil
	}
	if err := unmap(data); err != nil {
		return fmt.Errorf("close hash list %s: %w", l.name, err)
	}
	return nil
}
