package archive

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"slices"

	"github.com/ulikunitz/xz/lzma"
)

// XZDictMax is the largest LZMA2 dictionary an xz block may ask for. xz's
// own presets stop at 64 MiB (-9, -e); a bigger dictionary only comes from
// a custom setting, and a stream claiming one would make the decoder
// allocate it whole before reading any data.
const XZDictMax = 64 << 20

// Each block gets a dictionary of its own, so a file of many tiny blocks
// could make the decoder allocate (and clear) up to XZDictMax for every few
// bytes of input. A block's dictionary is therefore cut to its declared
// uncompressed size (xz writes one when it splits a file into blocks), and
// dictionaries beyond the first may add up to XZDictMax plus twice the
// bytes decoded so far, no more: real blocks are larger than half their
// dictionary.

// The xz container is read here rather than by package xz, which sizes
// each block's dictionary from the block header with no upper bound. The
// blocks' LZMA2 data is still decoded by package lzma, given the
// dictionary size this reader has checked. Format: xz-file-format-1.2.0.

var (
	xzMagic       = []byte{0xfd, '7', 'z', 'X', 'Z', 0}
	xzFooterMagic = []byte{'Y', 'Z'}
	crc64Table    = crc64.MakeTable(crc64.ECMA)
)

const (
	xzLZMA2ID = 0x21
	xzVLIMax  = 9 // bytes in the longest variable-length integer
)

// xzReader decodes every stream of an xz file in turn.
type xzReader struct {
	in    *countReader
	flags byte // the current stream's flags; check type in the low nibble
	block io.Reader
	check hash.Hash
	// What the blocks read so far add up to, to compare with the index.
	records      uint64
	recordsHash  hash.Hash
	blockStart   int64
	uncompressed int64
	hdr          xzBlockHeader
	dictTotal    int64 // dictionary bytes allocated for all blocks so far
	produced     int64 // bytes decoded from all blocks so far
	newCheck     func() hash.Hash
	err          error
}

// countReader counts what the decoders take from the underlying reader,
// which must not be read past what they ask for.
type countReader struct {
	r *bufio.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

func (c *countReader) full(p []byte) error {
	if _, err := io.ReadFull(c, p); err != nil {
		return xzTruncated(err)
	}
	return nil
}

func xzTruncated(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func newXZReader(r io.Reader) (*xzReader, error) {
	x := &xzReader{in: &countReader{r: bufio.NewReaderSize(r, 64<<10)}}
	if err := x.streamHeader(nil); err != nil {
		return nil, err
	}
	return x, nil
}

// streamHeader reads a stream header, whose first four bytes may already
// have been read.
func (x *xzReader) streamHeader(start []byte) error {
	var h [12]byte
	n := copy(h[:], start)
	if err := x.in.full(h[n:]); err != nil {
		return err
	}
	if !bytes.Equal(h[:6], xzMagic) {
		return errors.New("xz: not an xz stream")
	}
	if h[6] != 0 || h[7]&0xf0 != 0 || crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:]) {
		return errors.New("xz: bad stream header")
	}
	switch h[7] {
	case 0x00:
		x.newCheck = func() hash.Hash { return nopHash{} }
	case 0x01:
		x.newCheck = func() hash.Hash { return crc32.NewIEEE() }
	case 0x04:
		x.newCheck = func() hash.Hash { return crc64.New(crc64Table) }
	case 0x0a:
		x.newCheck = sha256.New
	default:
		return fmt.Errorf("%w: xz check type %#x", ErrUnsupported, h[7])
	}
	x.flags = h[7]
	x.records, x.recordsHash = 0, sha256.New()
	return nil
}

func (x *xzReader) Read(p []byte) (int, error) {
	for x.err == nil {
		if x.block == nil {
			x.err = x.next()
			continue
		}
		n, err := x.block.Read(p)
		if n > 0 {
			x.uncompressed += int64(n)
			x.produced += int64(n)
			x.check.Write(p[:n])
		}
		if err == io.EOF {
			x.block = nil
			err = x.endBlock()
		}
		if err != nil {
			x.err = err
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, x.err
}

// next starts the next block, or reads the index, the footer, any stream
// padding and the next stream's header.
func (x *xzReader) next() error {
	size, err := x.in.ReadByte()
	if err != nil {
		return xzTruncated(err)
	}
	if size == 0 {
		if err := x.index(); err != nil {
			return err
		}
		return x.nextStream()
	}
	x.blockStart = x.in.n - 1
	hdr, err := x.blockHeader(size)
	if err != nil {
		return err
	}
	dict := hdr.dict
	if hdr.uncompressed >= 0 {
		dict = min(dict, hdr.uncompressed)
	}
	dict = max(dict, lzma.MinDictCap)
	if x.dictTotal > 0 && x.dictTotal+dict > XZDictMax+2*x.produced {
		return fmt.Errorf("%w: xz blocks ask for %s of dictionaries to decode %s",
			ErrDictionaryLimit, sizeText(x.dictTotal+dict), sizeText(x.produced))
	}
	x.dictTotal += dict
	r2, err := lzma.Reader2Config{DictCap: int(dict)}.NewReader2(x.in)
	if err != nil {
		return err
	}
	x.hdr, x.block, x.uncompressed, x.check = hdr, r2, 0, x.newCheck()
	return nil
}

type xzBlockHeader struct {
	size                     int64 // of the header itself
	compressed, uncompressed int64 // -1 when not given
	dict                     int64
}

func (x *xzReader) blockHeader(size byte) (xzBlockHeader, error) {
	h := xzBlockHeader{size: (int64(size) + 1) * 4, compressed: -1, uncompressed: -1}
	buf := make([]byte, (int(size)+1)*4)
	buf[0] = size
	if err := x.in.full(buf[1:]); err != nil {
		return h, err
	}
	body, sum := buf[:len(buf)-4], binary.LittleEndian.Uint32(buf[len(buf)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return h, errors.New("xz: block header checksum")
	}
	br := bytes.NewReader(body[2:])
	flags := body[1]
	if flags&0x3c != 0 {
		return h, errors.New("xz: reserved block flags set")
	}
	if flags&0x03 != 0 {
		// Filter chains (BCJ, delta) other than LZMA2 alone.
		return h, fmt.Errorf("%w: xz filter chain of %d filters", ErrUnsupported, flags&0x03+1)
	}
	var err error
	if flags&0x40 != 0 {
		if h.compressed, err = readVLI(br); err != nil || h.compressed == 0 {
			return h, errors.New("xz: bad compressed size in block header")
		}
	}
	if flags&0x80 != 0 {
		if h.uncompressed, err = readVLI(br); err != nil {
			return h, errors.New("xz: bad uncompressed size in block header")
		}
	}
	id, err1 := readVLI(br)
	props, err2 := readVLI(br)
	if err1 != nil || err2 != nil {
		return h, errors.New("xz: bad filter flags")
	}
	if id != xzLZMA2ID {
		return h, fmt.Errorf("%w: xz filter %#x", ErrUnsupported, id)
	}
	p, err := br.ReadByte()
	if props != 1 || err != nil || p&0xc0 != 0 || p > 40 {
		return h, errors.New("xz: bad LZMA2 properties")
	}
	h.dict = 0xffffffff
	if p < 40 {
		h.dict = int64(2|p&1) << (p/2 + 11)
	}
	if h.dict > XZDictMax {
		return h, fmt.Errorf("%w: xz block needs a %s dictionary, more than %s",
			ErrDictionaryLimit, sizeText(h.dict), sizeText(XZDictMax))
	}
	for br.Len() > 0 {
		if b, _ := br.ReadByte(); b != 0 {
			return h, errors.New("xz: non-zero block header padding")
		}
	}
	return h, nil
}

// endBlock reads a block's padding and check, once its data is decoded.
func (x *xzReader) endBlock() error {
	compressed := x.in.n - x.blockStart - x.hdr.size
	if x.hdr.compressed >= 0 && compressed != x.hdr.compressed ||
		x.hdr.uncompressed >= 0 && x.uncompressed != x.hdr.uncompressed {
		return errors.New("xz: block size differs from its header")
	}
	if err := x.zeros(int(-(x.in.n - x.blockStart) & 3)); err != nil {
		return err
	}
	want := make([]byte, x.check.Size())
	if err := x.in.full(want); err != nil {
		return err
	}
	got := x.check.Sum(nil)
	if x.flags == 0x01 || x.flags == 0x04 {
		slices.Reverse(got) // CRC32 and CRC64 are stored little-endian
	}
	if !bytes.Equal(got, want) {
		return errors.New("xz: block check failed")
	}
	unpadded := x.hdr.size + compressed + int64(len(want))
	x.records++
	x.recordsHash.Write(binary.AppendUvarint(binary.AppendUvarint(nil, uint64(unpadded)), uint64(x.uncompressed)))
	return nil
}

// index reads a stream's index (its indicator byte already read) and
// compares it with the blocks decoded, then reads the stream footer.
func (x *xzReader) index() error {
	start := x.in.n - 1
	crc := crc32.NewIEEE()
	crc.Write([]byte{0})
	tr := &teeByteReader{r: x.in, h: crc}
	n, err := readVLI(tr)
	if err != nil {
		return err
	}
	if uint64(n) != x.records {
		return errors.New("xz: index lists a different number of blocks")
	}
	h := sha256.New()
	for range n {
		unpadded, err1 := readVLI(tr)
		uncompressed, err2 := readVLI(tr)
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		h.Write(binary.AppendUvarint(binary.AppendUvarint(nil, uint64(unpadded)), uint64(uncompressed)))
	}
	if !bytes.Equal(h.Sum(nil), x.recordsHash.Sum(nil)) {
		return errors.New("xz: index does not match the blocks")
	}
	for (x.in.n-start)&3 != 0 {
		if b, err := tr.ReadByte(); err != nil || b != 0 {
			return errors.New("xz: bad index padding")
		}
	}
	var tail [16]byte // index CRC32, then the 12-byte footer
	if err := x.in.full(tail[:]); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(tail[:4]) != crc.Sum32() {
		return errors.New("xz: index checksum")
	}
	f := tail[4:]
	if crc32.ChecksumIEEE(f[4:10]) != binary.LittleEndian.Uint32(f[:4]) ||
		!bytes.Equal(f[10:], xzFooterMagic) || f[8] != 0 || f[9] != x.flags ||
		(int64(binary.LittleEndian.Uint32(f[4:8]))+1)*4 != x.in.n-int64(len(f))-start {
		return errors.New("xz: bad stream footer")
	}
	return nil
}

// nextStream skips stream padding (zero bytes, four at a time) and reads
// the next stream's header, or ends at the end of the file.
func (x *xzReader) nextStream() error {
	for {
		var b [4]byte
		n, err := io.ReadFull(x.in, b[:])
		if n == 0 && err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return errors.New("xz: truncated stream padding")
		}
		if b != [4]byte{} {
			return x.streamHeader(b[:])
		}
	}
}

func (x *xzReader) zeros(n int) error {
	for range n {
		if b, err := x.in.ReadByte(); err != nil || b != 0 {
			return errors.New("xz: bad block padding")
		}
	}
	return nil
}

// readVLI reads an xz variable-length integer: at most nine bytes, seven
// bits each, in its shortest form.
func readVLI(r io.ByteReader) (int64, error) {
	var v uint64
	for i := range xzVLIMax {
		b, err := r.ReadByte()
		if err != nil {
			return 0, xzTruncated(err)
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b&0x80 == 0 {
			if b == 0 && i > 0 {
				return 0, errors.New("xz: integer not in its shortest form")
			}
			return int64(v), nil
		}
	}
	return 0, errors.New("xz: integer too long")
}

type teeByteReader struct {
	r io.ByteReader
	h hash.Hash
}

func (t *teeByteReader) ReadByte() (byte, error) {
	b, err := t.r.ReadByte()
	if err == nil {
		t.h.Write([]byte{b})
	}
	return b, err
}

type nopHash struct{}

func (nopHash) Write(p []byte) (int, error) { return len(p), nil }
func (nopHash) Sum(b []byte) []byte         { return b }
func (nopHash) Reset()                      {}
func (nopHash) Size() int                   { return 0 }
func (nopHash) BlockSize() int              { return 1 }

// sizeText writes a byte count for a finding, in MiB when it is whole.
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
