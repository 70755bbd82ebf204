package hashdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// The on-disk table format; doc.go describes it byte by byte.
const (
	magic         = "SLUICEHL"
	formatVersion = 1
	headerSize    = 128
	// secHeaderAt is where the three section headers start, each
	// secHeaderSize bytes, in the order of algos.
	secHeaderAt   = 24
	secHeaderSize = 24
	poolAt        = secHeaderAt + len(algos)*secHeaderSize // 96
	bodyCRCAt     = poolAt + 16                            // 112
	headerCRCAt   = headerSize - 4                         // 124

	// maxBits caps the fan-out index at 16M buckets (64 MiB).
	maxBits = 24
	// targetBucket is the largest average bucket bitsFor aims for: a
	// lookup binary-searches one bucket of 64 to 128 records on average.
	targetBucket = 128
	// maxCount is the most records a section can hold: the index stores
	// record numbers as uint32.
	maxCount uint64 = 1<<32 - 1
)

var (
	// ErrCorrupt reports a table file that is not a valid hash table:
	// truncated, overwritten or not a table at all.
	ErrCorrupt = errors.New("corrupt hash table")
	// ErrVersion reports a table written in another format version.
	ErrVersion = errors.New("unsupported hash table version")
)

// castagnoli checksums the header and the body (CRC-32C, in hardware on
// amd64 and arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// secHeader locates one section: its fan-out index of 1<<bits+1 uint32s
// followed by count records of width bytes each.
type secHeader struct {
	off, count  uint64
	bits, width uint32
}

type header struct {
	fileSize         uint64
	secs             [len(algos)]secHeader
	poolOff, poolLen uint64
	bodyCRC          uint32
}

func (h *header) marshal() []byte {
	b := make([]byte, headerSize)
	le := binary.LittleEndian
	copy(b, magic)
	le.PutUint32(b[8:], formatVersion)
	le.PutUint32(b[12:], headerSize)
	le.PutUint64(b[16:], h.fileSize)
	for i, s := range h.secs {
		p := b[secHeaderAt+i*secHeaderSize:]
		le.PutUint64(p, s.off)
		le.PutUint64(p[8:], s.count)
		le.PutUint32(p[16:], s.bits)
		le.PutUint32(p[20:], s.width)
	}
	le.PutUint64(b[poolAt:], h.poolOff)
	le.PutUint64(b[poolAt+8:], h.poolLen)
	le.PutUint32(b[bodyCRCAt:], h.bodyCRC)
	le.PutUint32(b[headerCRCAt:], crc32.Checksum(b[:headerCRCAt], castagnoli))
	return b
}

// parseHeader decodes and checks the header of a table of size bytes: its
// checksum, and that every section and the label pool lie within size.
func parseHeader(b []byte, size uint64) (header, error) {
	var h header
	le := binary.LittleEndian
	if len(b) < headerSize || string(b[:len(magic)]) != magic {
		return h, fmt.Errorf("%w: no table header", ErrCorrupt)
	}
	if v := le.Uint32(b[8:]); v != formatVersion {
		return h, fmt.Errorf("%w %d, want %d", ErrVersion, v, formatVersion)
	}
	if crc32.Checksum(b[:headerCRCAt], castagnoli) != le.Uint32(b[headerCRCAt:]) {
		return h, fmt.Errorf("%w: header checksum mismatch", ErrCorrupt)
	}
	if n := le.Uint32(b[12:]); n != headerSize {
		return h, fmt.Errorf("%w: header size %d, want %d", ErrCorrupt, n, headerSize)
	}
	h.fileSize = le.Uint64(b[16:])
	if h.fileSize != size {
		return h, fmt.Errorf("%w: file is %d bytes, header says %d", ErrCorrupt, size, h.fileSize)
	}
	for i, a := range algos {
		p := b[secHeaderAt+i*secHeaderSize:]
		s := secHeader{off: le.Uint64(p), count: le.Uint64(p[8:]), bits: le.Uint32(p[16:]), width: le.Uint32(p[20:])}
		if err := s.check(a, size); err != nil {
			return h, fmt.Errorf("%w: %s section: %v", ErrCorrupt, a, err)
		}
		h.secs[i] = s
	}
	h.poolOff, h.poolLen = le.Uint64(b[poolAt:]), le.Uint64(b[poolAt+8:])
	if !within(h.poolOff, h.poolLen, size) {
		return h, fmt.Errorf("%w: label pool outside the file", ErrCorrupt)
	}
	h.bodyCRC = le.Uint32(b[bodyCRCAt:])
	return h, nil
}

func (s secHeader) check(a Algo, size uint64) error {
	if s.count == 0 {
		return nil
	}
	switch {
	case s.width != uint32(a.Size()+4):
		return fmt.Errorf("record width %d, want %d", s.width, a.Size()+4)
	case s.bits > maxBits:
		return fmt.Errorf("index of %d bits, want at most %d", s.bits, maxBits)
	case s.count > maxCount || s.count > size:
		return fmt.Errorf("%d records cannot fit", s.count)
	case !within(s.off, s.indexLen()+s.count*uint64(s.width), size):
		return errors.New("records outside the file")
	}
	return nil
}

func (s secHeader) indexLen() uint64 { return (1<<s.bits + 1) * 4 }

// within reports whether [off, off+n) lies in the body of a size-byte
// file, without overflowing.
func within(off, n, size uint64) bool {
	return off >= headerSize && off <= size && n <= size-off
}

// bitsFor returns the fan-out bits for n records: the fewest that bring
// the average bucket down to targetBucket.
func bitsFor(n int) uint32 {
	var bits uint32
	for bits < maxBits && n>>bits > targetBucket {
		bits++
	}
	return bits
}
