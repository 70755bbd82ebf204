package archive_test

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
)

// zipBuilder writes zips byte by byte, so that a test can put in what no
// zip writer would: entries the directory does not list, entries sharing
// data, local headers that say something else.
type zipBuilder struct {
	buf bytes.Buffer
	cen bytes.Buffer
	n   int // central entries
}

// entry is one member as a header describes it.
type entry struct {
	name   string
	method uint16 // 0 stored, 8 deflated
	flags  uint16
	crc    uint32
	csize  uint32
	usize  uint32
}

func stored(name string, data []byte) entry {
	return entry{name: name, crc: crc32.ChecksumIEEE(data), csize: uint32(len(data)), usize: uint32(len(data))}
}

func deflated(name string, data []byte) (entry, []byte) {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(data)
	w.Close()
	e := stored(name, data)
	e.method, e.csize = 8, uint32(b.Len())
	return e, b.Bytes()
}

// local writes e's local header and body and returns its offset.
func (z *zipBuilder) local(e entry, body []byte) uint32 {
	off := uint32(z.buf.Len())
	h := le(nil, "PK\x03\x04", uint16(20), e.flags, e.method, uint16(0), uint16(0x21), e.crc, e.csize, e.usize, uint16(len(e.name)), uint16(0))
	z.buf.Write(h)
	z.buf.WriteString(e.name)
	z.buf.Write(body)
	return off
}

// central lists e, whose local header is at off.
func (z *zipBuilder) central(e entry, off uint32) {
	z.n++
	h := le(nil, "PK\x01\x02", uint16(0x314), uint16(20), e.flags, e.method, uint16(0), uint16(0x21), e.crc, e.csize, e.usize,
		uint16(len(e.name)), uint16(0), uint16(0), uint16(0), uint16(0), uint32(0o100644<<16), off)
	z.cen.Write(h)
	z.cen.WriteString(e.name)
}

// add writes a member and lists it.
func (z *zipBuilder) add(e entry, body []byte) {
	z.central(e, z.local(e, body))
}

func (z *zipBuilder) raw(b []byte) { z.buf.Write(b) }

// finish writes the directory and the end record, with the counts and
// sizes it really has.
func (z *zipBuilder) finish(comment string) []byte {
	return z.finishAs(uint16(z.n), uint32(z.cen.Len()), comment)
}

// finishAs writes the end record with the entry count and directory size
// given.
func (z *zipBuilder) finishAs(records uint16, dirSize uint32, comment string) []byte {
	off := uint32(z.buf.Len())
	z.buf.Write(z.cen.Bytes())
	z.buf.Write(le(nil, "PK\x05\x06", uint16(0), uint16(0), records, records, dirSize, off, uint16(len(comment))))
	z.buf.WriteString(comment)
	return z.buf.Bytes()
}

// le appends strings as they are and numbers little-endian.
func le(b []byte, fields ...any) []byte {
	for _, f := range fields {
		switch v := f.(type) {
		case string:
			b = append(b, v...)
		case []byte:
			b = append(b, v...)
		case uint8:
			b = append(b, v)
		case uint16:
			b = binary.LittleEndian.AppendUint16(b, v)
		case uint32:
			b = binary.LittleEndian.AppendUint32(b, v)
		case uint64:
			b = binary.LittleEndian.AppendUint64(b, v)
		default:
			panic("le: unsupported field")
		}
	}
	return b
}

// xzFile builds an xz file by hand: one stream with a CRC32 check and one
// block per entry of chunks, each block holding its data as uncompressed
// LZMA2 chunks, under the dictionary size code given (40 means 4 GiB;
// 37 is 1.5 GiB).
func xzFile(dictCode byte, blocks ...[]byte) []byte { return xzBuild(dictCode, false, blocks...) }

// xzBuild is xzFile, with each block's sizes in its header when sized.
func xzBuild(dictCode byte, sized bool, blocks ...[]byte) []byte {
	flags := []byte{0, 0x01}
	out := le(nil, "\xfd7zXZ\x00", flags, crc32.ChecksumIEEE(flags))
	var index []byte
	for _, data := range blocks {
		start := len(out)
		hdr := []byte{0, 0x00}
		if sized {
			n := 0
			for i := 0; i < len(data); i += 1 << 16 {
				n += 3 + min(len(data)-i, 1<<16)
			}
			hdr[1] = 0xc0
			hdr = binary.AppendUvarint(hdr, uint64(n+1)) // chunks and the end byte
			hdr = binary.AppendUvarint(hdr, uint64(len(data)))
		}
		hdr = append(hdr, 0x21, 0x01, dictCode)
		for (len(hdr)+4)%4 != 0 {
			hdr = append(hdr, 0)
		}
		hdr[0] = byte(len(hdr)+4)/4 - 1
		out = le(out, hdr, crc32.ChecksumIEEE(hdr))
		headerLen := len(out) - start
		dataStart := len(out)
		for i, rest := 0, data; len(rest) > 0; i++ {
			n := min(len(rest), 1<<16)
			ctrl := byte(0x02) // uncompressed, no dictionary reset
			if i == 0 {
				ctrl = 0x01 // the first chunk resets the dictionary
			}
			out = append(out, ctrl, byte((n-1)>>8), byte(n-1))
			out = append(out, rest[:n]...)
			rest = rest[n:]
		}
		out = append(out, 0) // end of LZMA2 data
		compressed := len(out) - dataStart
		for (len(out)-start)%4 != 0 {
			out = append(out, 0)
		}
		out = le(out, crc32.ChecksumIEEE(data))
		index = binary.AppendUvarint(index, uint64(headerLen+compressed+4))
		index = binary.AppendUvarint(index, uint64(len(data)))
	}
	idx := append([]byte{0}, binary.AppendUvarint(nil, uint64(len(blocks)))...)
	idx = append(idx, index...)
	for len(idx)%4 != 0 {
		idx = append(idx, 0)
	}
	idx = le(idx, crc32.ChecksumIEEE(idx))
	out = append(out, idx...)
	footer := le(nil, uint32(len(idx)/4-1), flags)
	return le(out, crc32.ChecksumIEEE(footer), footer, "YZ")
}

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
