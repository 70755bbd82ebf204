package archive

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// ZipDirMax bounds a zip's central directory. archive/zip reads the whole
// directory into memory before any member can be counted, so its size is
// checked first. 16 MiB is 1.6 KiB for each of 10,000 members, where a
// real entry (46 bytes, a name, a few extra fields) takes 100 to 400.
const ZipDirMax = 16 << 20

// A zip is read here once before archive/zip opens it, so that every byte
// from its first local header to its end is accounted for: each member's
// local header, name, extra field, compressed data and data descriptor,
// then the central directory, the zip64 end records, the end record and
// its comment, in that order, with nothing between them and nothing after.
// Streaming extractors (Java's ZipInputStream, bsdtar reading a pipe) go by
// the local headers in file order and never see the directory: anything
// they could find that the directory does not list, or list differently,
// is refused rather than left unscanned.

const (
	zipLocalLen   = 30
	zipCentralLen = 46
	zipEndLen     = 22
	zip64LocLen   = 20
	zip64EndLen   = 56
)

var (
	sigLocal   = []byte("PK\x03\x04")
	sigCentral = []byte("PK\x01\x02")
	sigDesc    = []byte("PK\x07\x08")
)

// zipEntry is what the layout check learned of one member, for archive/zip's
// reading of the same directory to be compared with.
type zipEntry struct {
	start, dataStart, dataEnd int64 // absolute offsets in the file
	compressed                uint64
	flags, method             uint16
	central                   int64 // offset of its central header, to name it
}

// descriptor reports flag bit 3: a data descriptor follows the data.
func (e *zipEntry) descriptor() bool { return e.flags&0x8 != 0 }

type zipLayout struct {
	entries []zipEntry // in directory order
}

// zipEndRecord is the end-of-central-directory record as archive/zip reads
// it, with the zip64 end record when one is there.
type zipEndRecord struct {
	offset     int64 // where the directory must end: the zip64 end record if used, else eocd
	eocd       int64 // of the classic end record
	records    uint64
	dirSize    uint64
	dirOffset  uint64
	commentLen int64
	zip64      *zip64End
}

type zip64End struct {
	offset, size                int64 // the record's, its locator following
	records, dirSize, dirOffset uint64
}

// checkZipLayout reads the end record and the central directory within the
// limits, then every local header, and refuses a zip whose parts do not
// tile the file.
func checkZipLayout(r io.ReaderAt, size int64, maxMembers int) (*zipLayout, error) {
	end, err := readZipEnd(r, size)
	if err != nil {
		return nil, err
	}
	if end.records > uint64(maxMembers) {
		return nil, fmt.Errorf("%w: zip declares %d members, more than %d", ErrMemberLimit, end.records, maxMembers)
	}
	if end.dirSize > ZipDirMax {
		return nil, fmt.Errorf("%w: zip directory of %s, more than %s", ErrDirectoryLimit, sizeText(int64(min(end.dirSize, math.MaxInt64))), sizeText(ZipDirMax))
	}
	if end.dirSize > math.MaxInt64 || end.dirOffset > math.MaxInt64 {
		return nil, corrupt(errors.New("zip: directory out of range"))
	}
	// As archive/zip: offsets are relative to where the zip starts, which
	// is later than 0 when it was appended to another file, unless a
	// directory header is found where they point from 0.
	base := end.offset - int64(end.dirSize) - int64(end.dirOffset)
	dirStart := base + int64(end.dirOffset)
	if dirStart < 0 || dirStart >= size {
		return nil, corrupt(errors.New("zip: directory out of range"))
	}
	if base > 0 && centralHeaderAt(r, int64(end.dirOffset), size) {
		base = 0
		dirStart = int64(end.dirOffset)
	}
	dirEnd := dirStart + int64(end.dirSize)
	if z := end.zip64; z != nil {
		// Written also when archive/zip has no need of it (Info-ZIP
		// writing to a pipe); a tool that reads it must find the same
		// directory.
		if z.offset+z.size != end.eocd-zip64LocLen {
			return nil, fmt.Errorf("%w: bytes between its zip64 end records", ErrHiddenData)
		}
		if z.records != end.records || z.dirSize != end.dirSize || base+int64(z.dirOffset) != dirStart {
			return nil, fmt.Errorf("%w: its zip64 end record describes another directory", ErrHeaderMismatch)
		}
		end.offset = z.offset
	}
	if dirEnd != end.offset {
		return nil, fmt.Errorf("%w: its directory does not end where its end record starts", ErrHiddenData)
	}

	l := &zipLayout{entries: make([]zipEntry, 0, end.records)}
	cr := &offsetReader{r: bufio.NewReader(io.NewSectionReader(r, dirStart, int64(end.dirSize))), off: dirStart}
	var name, scratch, local []byte
	for range end.records {
		e, err := readCentral(cr, base, &name, &scratch)
		if err != nil {
			return nil, err
		}
		if err := checkLocal(r, &e, name, dirStart, &local); err != nil {
			return nil, err
		}
		l.entries = append(l.entries, e)
	}
	if cr.off != dirEnd {
		return nil, corrupt(fmt.Errorf("zip: its directory holds more than the %d entries its end record declares", end.records))
	}
	if err := l.checkTiling(r, dirStart); err != nil {
		return nil, err
	}
	// After the directory and any zip64 end records: the end record, its
	// comment, and the end of the file.
	commentEnd := end.eocd + zipEndLen + end.commentLen
	if commentEnd != size {
		return nil, fmt.Errorf("%w: %d bytes after its end record", ErrHiddenData, size-commentEnd)
	}
	if off, err := findSig(r, end.eocd+zipEndLen, commentEnd, sigLocal); err != nil || off >= 0 {
		return nil, errors.Join(err, fmt.Errorf("%w: its comment holds a local file header", ErrHiddenData))
	}
	return l, nil
}

// readZipEnd finds the end record as archive/zip does: the last signature
// in the final 1 KiB, then in the final 65 KiB, whose comment fits.
func readZipEnd(r io.ReaderAt, size int64) (*zipEndRecord, error) {
	var buf []byte
	var at int64 = -1
	for _, n := range []int64{1024, 65 * 1024} {
		n = min(n, size)
		buf = make([]byte, n)
		if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
			return nil, corrupt(err)
		}
		if p := lastEndSig(buf); p >= 0 {
			buf, at = buf[p:], size-n+int64(p)
			break
		}
		if n == size {
			break
		}
	}
	if at < 0 {
		return nil, corrupt(errors.New("zip: no end of central directory"))
	}
	le := binary.LittleEndian
	end := &zipEndRecord{
		offset: at, eocd: at,
		records:    uint64(le.Uint16(buf[10:])),
		dirSize:    uint64(le.Uint32(buf[12:])),
		dirOffset:  uint64(le.Uint32(buf[16:])),
		commentLen: int64(le.Uint16(buf[20:])),
	}
	z, err := readZip64End(r, at, size)
	if err != nil {
		return nil, err
	}
	end.zip64 = z
	// The same test as archive/zip, 0xffff for the size included.
	if z != nil && (end.records == 0xffff || end.dirSize == 0xffff || end.dirOffset == 0xffffffff) {
		end.offset, end.records, end.dirSize, end.dirOffset = z.offset, z.records, z.dirSize, z.dirOffset
	}
	return end, nil
}

// readZip64End reads the zip64 end record that the locator just before the
// end record at eocd points to, or returns nil when there is no locator.
func readZip64End(r io.ReaderAt, eocd, size int64) (*zip64End, error) {
	if eocd < zip64LocLen {
		return nil, nil
	}
	le := binary.LittleEndian
	var loc [zip64LocLen]byte
	if _, err := r.ReadAt(loc[:], eocd-zip64LocLen); err != nil {
		return nil, corrupt(err)
	}
	if !bytes.Equal(loc[:4], []byte("PK\x06\x07")) || le.Uint32(loc[4:]) != 0 || le.Uint32(loc[16:]) != 1 {
		return nil, nil
	}
	p := le.Uint64(loc[8:])
	var rec [zip64EndLen]byte
	if p > math.MaxInt64-zip64EndLen || int64(p)+zip64EndLen > size {
		return nil, corrupt(errors.New("zip: zip64 end record out of range"))
	}
	if _, err := r.ReadAt(rec[:], int64(p)); err != nil {
		return nil, corrupt(err)
	}
	recSize := le.Uint64(rec[4:])
	if !bytes.Equal(rec[:4], []byte("PK\x06\x06")) || recSize < zip64EndLen-12 || recSize > uint64(size) {
		return nil, corrupt(errors.New("zip: bad zip64 end record"))
	}
	return &zip64End{
		offset: int64(p), size: int64(recSize) + 12,
		records: le.Uint64(rec[32:]), dirSize: le.Uint64(rec[40:]), dirOffset: le.Uint64(rec[48:]),
	}, nil
}

func lastEndSig(b []byte) int {
	for i := len(b) - zipEndLen; i >= 0; i-- {
		if bytes.Equal(b[i:i+4], zipEnd) {
			if n := int(binary.LittleEndian.Uint16(b[i+20:])); i+zipEndLen+n > len(b) {
				return -1 // a truncated comment: archive/zip gives up too
			}
			return i
		}
	}
	return -1
}

// centralHeaderAt reports whether a whole central header starts at off.
func centralHeaderAt(r io.ReaderAt, off, size int64) bool {
	var h [zipCentralLen]byte
	if _, err := r.ReadAt(h[:], off); err != nil || !bytes.Equal(h[:4], sigCentral) {
		return false
	}
	le := binary.LittleEndian
	n := int64(le.Uint16(h[28:])) + int64(le.Uint16(h[30:])) + int64(le.Uint16(h[32:]))
	return off+zipCentralLen+n <= size
}

type offsetReader struct {
	r   *bufio.Reader
	off int64
}

func (o *offsetReader) full(p []byte) error {
	n, err := io.ReadFull(o.r, p)
	o.off += int64(n)
	if err != nil {
		return corrupt(fmt.Errorf("zip: directory: %w", xzTruncated(err)))
	}
	return nil
}

func (o *offsetReader) skip(n int) error {
	k, err := o.r.Discard(n)
	o.off += int64(k)
	if err != nil {
		return corrupt(fmt.Errorf("zip: directory: %w", xzTruncated(err)))
	}
	return nil
}

// readCentral reads one central header, leaving its name in *name.
func readCentral(cr *offsetReader, base int64, name, scratch *[]byte) (zipEntry, error) {
	e := zipEntry{central: cr.off}
	var h [zipCentralLen]byte
	if err := cr.full(h[:]); err != nil {
		return e, err
	}
	if !bytes.Equal(h[:4], sigCentral) {
		return e, corrupt(errors.New("zip: bad directory entry"))
	}
	le := binary.LittleEndian
	flags := le.Uint16(h[8:])
	csize, usize, off := uint64(le.Uint32(h[20:])), le.Uint32(h[24:]), uint64(le.Uint32(h[42:]))
	nameLen, extraLen, commentLen := int(le.Uint16(h[28:])), int(le.Uint16(h[30:])), int(le.Uint16(h[32:]))
	*name = slices.Grow((*name)[:0], nameLen)[:nameLen]
	*scratch = slices.Grow((*scratch)[:0], extraLen)
	extra := (*scratch)[:extraLen]
	if err := cr.full(*name); err != nil {
		return e, err
	}
	if err := cr.full(extra); err != nil {
		return e, err
	}
	if err := cr.skip(commentLen); err != nil {
		return e, err
	}
	needU, needC, needO := usize == math.MaxUint32, csize == math.MaxUint32, off == math.MaxUint32
	for x := extra; len(x) >= 4; {
		tag, n := le.Uint16(x), int(le.Uint16(x[2:]))
		if len(x)-4 < n {
			break
		}
		field := x[4 : 4+n]
		x = x[4+n:]
		if tag != 0x0001 {
			continue
		}
		for _, f := range []struct {
			need *bool
			v    *uint64
		}{{&needU, new(uint64)}, {&needC, &csize}, {&needO, &off}} {
			if !*f.need {
				continue
			}
			if len(field) < 8 {
				return e, corrupt(errors.New("zip: short zip64 field"))
			}
			*f.v, field, *f.need = le.Uint64(field), field[8:], false
		}
	}
	if needC || needO || off > math.MaxInt64/2 || csize > math.MaxInt64/2 {
		return e, corrupt(errors.New("zip: bad zip64 field"))
	}
	e.start, e.compressed = base+int64(off), csize
	e.flags, e.method = flags, le.Uint16(h[10:])
	return e, nil
}

// checkLocal reads e's local header and checks that it agrees with the
// directory: same name, method, encryption, and, when the local header
// gives sizes, the same compressed size.
func checkLocal(r io.ReaderAt, e *zipEntry, name []byte, dirStart int64, buf *[]byte) error {
	mismatch := func(what string) error {
		return fmt.Errorf("%w: member %q: %s", ErrHeaderMismatch, name, what)
	}
	var h [zipLocalLen]byte
	if e.start < 0 || e.start+zipLocalLen > dirStart {
		return corrupt(fmt.Errorf("zip: member %q: local header out of range", name))
	}
	if _, err := r.ReadAt(h[:], e.start); err != nil || !bytes.Equal(h[:4], sigLocal) {
		return corrupt(fmt.Errorf("zip: member %q: no local header", name))
	}
	le := binary.LittleEndian
	lflags, lmethod := le.Uint16(h[6:]), le.Uint16(h[8:])
	csize, usize := uint64(le.Uint32(h[18:])), uint64(le.Uint32(h[22:]))
	nameLen, extraLen := int64(le.Uint16(h[26:])), int64(le.Uint16(h[28:]))
	e.dataStart = e.start + zipLocalLen + nameLen + extraLen
	if e.compressed > uint64(dirStart-e.dataStart) || e.dataStart > dirStart {
		return fmt.Errorf("%w: member %q runs into the directory", ErrOverlap, name)
	}
	e.dataEnd = e.dataStart + int64(e.compressed)
	*buf = slices.Grow((*buf)[:0], int(nameLen+extraLen))[:nameLen+extraLen]
	if _, err := r.ReadAt(*buf, e.start+zipLocalLen); err != nil {
		return corrupt(err)
	}
	switch {
	case !bytes.Equal((*buf)[:nameLen], name):
		return mismatch(fmt.Sprintf("named %q in its local header", (*buf)[:nameLen]))
	case lmethod != e.method:
		return mismatch("compression method differs in its local header")
	case (lflags^e.flags)&0x9 != 0:
		return mismatch("encryption or data descriptor flag differs in its local header")
	case lflags&0x8 != 0:
		return nil // sizes follow the data
	}
	if csize == math.MaxUint32 || usize == math.MaxUint32 {
		// Zip64: the local extra field holds both sizes.
		csize = math.MaxUint64
		for x := (*buf)[nameLen:]; len(x) >= 4; {
			tag, n := le.Uint16(x), int(le.Uint16(x[2:]))
			if len(x)-4 < n {
				break
			}
			if tag == 0x0001 && n >= 16 {
				csize = le.Uint64(x[12:])
				break
			}
			x = x[4+n:]
		}
	}
	if csize != e.compressed {
		return mismatch("compressed size differs in its local header")
	}
	return nil
}

// checkTiling refuses a zip whose members overlap, or which holds bytes
// that no member accounts for, between its first member and its directory
// or in the prefix before its first member.
func (l *zipLayout) checkTiling(r io.ReaderAt, dirStart int64) error {
	order := make([]int, len(l.entries))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(l.entries[a].start, l.entries[b].start) })
	first := dirStart
	if len(order) > 0 {
		first = l.entries[order[0]].start
	}
	// A prefix (a self-extractor's stub, the file a zip was appended to)
	// is scanned as part of the file, but a local header in it would be
	// a member to a streaming reader that the directory does not list.
	if off, err := findSig(r, 0, first, sigLocal); err != nil || off >= 0 {
		return errors.Join(err, fmt.Errorf("%w: a local file header at offset %d, before its first listed member", ErrHiddenData, off))
	}
	cur, prev := first, -1
	for _, i := range append(order, -1) {
		next := dirStart
		if i >= 0 {
			next = l.entries[i].start
		}
		if next < cur {
			return fmt.Errorf("%w: members %s and %s", ErrOverlap, l.name(r, prev), l.name(r, i))
		}
		if gap := next - cur; gap > 0 && !(prev >= 0 && l.entries[prev].descriptor() && descriptorFits(r, cur, gap)) {
			return fmt.Errorf("%w: %d bytes at offset %d", ErrHiddenData, gap, cur)
		}
		if i >= 0 {
			if err := l.checkStoredDescriptor(r, i); err != nil {
				return err
			}
			cur, prev = l.entries[i].dataEnd, i
		}
	}
	return nil
}

// checkStoredDescriptor refuses a stored member whose sizes follow its
// data (flag bit 3) when that data holds a data-descriptor or local-header
// signature. A streaming reader cannot know where such a member ends: it
// searches for the descriptor, so a fake one inside the data ends the
// member there for it, and what follows becomes members of its own, files
// the station only ever scanned as a slice of a bigger one.
func (l *zipLayout) checkStoredDescriptor(r io.ReaderAt, i int) error {
	e := &l.entries[i]
	if e.method != 0 || !e.descriptor() { // 0: stored
		return nil
	}
	for _, sig := range [][]byte{sigDesc, sigLocal} {
		if off, err := findSig(r, e.dataStart, e.dataEnd, sig); err != nil || off >= 0 {
			return errors.Join(err, fmt.Errorf("%w: stored member %s, sized after its data, holds a zip signature at offset %d where a streaming reader would end it", ErrHiddenData, l.name(r, i), off))
		}
	}
	return nil
}

// descriptorFits reports whether the gap bytes at off are exactly one data
// descriptor: CRC and two sizes of 4 or 8 bytes, with or without its
// signature.
func descriptorFits(r io.ReaderAt, off, gap int64) bool {
	if gap > 24 {
		return false
	}
	sig := make([]byte, min(gap, 4))
	if _, err := r.ReadAt(sig, off); err != nil {
		return false
	}
	if bytes.Equal(sig, sigDesc) {
		return gap == 16 || gap == 24
	}
	return gap == 12 || gap == 20
}

// name reads member i's name back from the directory, for a finding.
func (l *zipLayout) name(r io.ReaderAt, i int) string {
	if i < 0 {
		return "the directory"
	}
	var h [zipCentralLen]byte
	if _, err := r.ReadAt(h[:], l.entries[i].central); err != nil {
		return "?"
	}
	n := make([]byte, binary.LittleEndian.Uint16(h[28:]))
	if _, err := r.ReadAt(n, l.entries[i].central+zipCentralLen); err != nil {
		return "?"
	}
	return fmt.Sprintf("%q", n)
}

// findSig returns the offset of the first sig in [from, to), or -1.
func findSig(r io.ReaderAt, from, to int64, sig []byte) (int64, error) {
	buf := make([]byte, min(64<<10, max(to-from, 0)))
	for off := from; off+int64(len(sig)) <= to; {
		n := min(int64(len(buf)), to-off)
		if _, err := r.ReadAt(buf[:n], off); err != nil && err != io.EOF {
			return -1, corrupt(err)
		}
		if i := bytes.Index(buf[:n], sig); i >= 0 {
			return off + int64(i), nil
		}
		if off+n >= to {
			break
		}
		off += n - int64(len(sig)) + 1 // a signature across the boundary
	}
	return -1, nil
}
