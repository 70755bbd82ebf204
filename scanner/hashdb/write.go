package hashdb

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// sectionData is one algorithm's digests before sorting: keys holds the
// digests back to back, labels their label pool offsets.
type sectionData struct {
	keys   []byte
	labels []uint32
}

// Write compiles entries into a table file at path, replacing it
// atomically. Digests are sorted and deduplicated per algorithm; of
// duplicates, the first entry's label is kept. Labels are cleaned and
// capped as Parse does.
func Write(path string, entries []Entry) error {
	secs, pool, err := collect(entries)
	if err == nil {
		err = writeTable(path, secs, pool)
	}
	if err != nil {
		return fmt.Errorf("write hash list %s: %w", path, err)
	}
	return nil
}

// collect splits entries into sections and builds the deduplicated label
// pool: each label is a length byte and the label's bytes.
func collect(entries []Entry) (*[SHA256 + 1]sectionData, []byte, error) {
	var secs [SHA256 + 1]sectionData
	pool := []byte{0} // offset 0 is the empty label
	offs := map[string]uint32{"": 0}
	for i, e := range entries {
		size := e.Algo.Size()
		if size == 0 || len(e.Sum) != size {
			return nil, nil, fmt.Errorf("entry %d: %d-byte digest for %s", i, len(e.Sum), e.Algo)
		}
		label := cleanLabel(e.Label)
		off, ok := offs[label]
		if !ok {
			if uint64(len(pool)) > maxCount-1-maxLabel {
				return nil, nil, errors.New("label pool over 4 GiB")
			}
			off = uint32(len(pool))
			offs[label] = off
			pool = append(pool, byte(len(label)))
			pool = append(pool, label...)
		}
		s := &secs[e.Algo]
		s.keys = append(s.keys, e.Sum...)
		s.labels = append(s.labels, off)
	}
	return &secs, pool, nil
}

// writeTable sorts the sections and writes the table to a temporary file
// beside path, syncs it and renames it over path.
func writeTable(path string, secs *[SHA256 + 1]sectionData, pool []byte) error {
	t, err := layout(secs, pool)
	if err != nil {
		return err
	}
	return atomicWrite(path, func(f *os.File) error {
		if err := t.encode(f); err != nil {
			return err
		}
		_, err := f.WriteAt(t.h.marshal(), 0)
		return err
	})
}

// table is a table laid out for writing: sections sorted, header filled
// in but for the body checksum, which encode sets.
type table struct {
	h      header
	secs   *[SHA256 + 1]sectionData
	orders [len(algos)][]uint32
	pool   []byte
}

func layout(secs *[SHA256 + 1]sectionData, pool []byte) (*table, error) {
	t := &table{secs: secs, pool: pool}
	off := uint64(headerSize)
	for i, a := range algos {
		s := &secs[a]
		if uint64(len(s.labels)) > maxCount {
			return nil, fmt.Errorf("%d %s digests, want at most %d", len(s.labels), a, maxCount)
		}
		order := sortedUnique(s.keys, a.Size())
		if len(order) == 0 {
			continue
		}
		sh := secHeader{off: off, count: uint64(len(order)), bits: bitsFor(len(order)), width: uint32(a.Size() + 4)}
		t.h.secs[i], t.orders[i] = sh, order
		off += sh.indexLen() + sh.count*uint64(sh.width)
	}
	t.h.poolOff, t.h.poolLen = off, uint64(len(pool))
	t.h.fileSize = off + t.h.poolLen
	return t, nil
}

// encode writes a zeroed header, then the body; the caller writes the
// header over the zeros once encode has set its body checksum.
func (t *table) encode(dst io.Writer) error {
	if _, err := dst.Write(make([]byte, headerSize)); err != nil {
		return err
	}
	crc := crc32.New(castagnoli)
	w := bufio.NewWriterSize(io.MultiWriter(dst, crc), 1<<20)
	for i, a := range algos {
		if t.h.secs[i].count > 0 {
			writeSection(w, &t.secs[a], a.Size(), t.orders[i], uint(t.h.secs[i].bits))
		}
	}
	w.Write(t.pool)
	if err := w.Flush(); err != nil {
		return err
	}
	t.h.bodyCRC = crc.Sum32()
	return nil
}

// atomicWrite has fill write a temporary file beside path, then syncs it
// and renames it over path, so that readers see the old file or the
// whole new one.
func atomicWrite(path string, fill func(*os.File) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := fill(f); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// sortedUnique returns the positions of the distinct keys in key order,
// each the first position that key appears at.
func sortedUnique(keys []byte, size int) []uint32 {
	n := len(keys) / size
	if n == 0 {
		return nil
	}
	key := func(i uint32) []byte { return keys[int(i)*size : (int(i)+1)*size] }
	// Comparing a cached 8-byte prefix first keeps the sort of millions
	// of random digests out of bytes.Compare.
	type item struct {
		prefix uint64
		i      uint32
	}
	items := make([]item, n)
	for i := range items {
		items[i] = item{binary.BigEndian.Uint64(keys[i*size:]), uint32(i)}
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := cmp.Compare(a.prefix, b.prefix); c != 0 {
			return c
		}
		if c := bytes.Compare(key(a.i)[8:], key(b.i)[8:]); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	order := make([]uint32, 0, n)
	for j, it := range items {
		if j > 0 && bytes.Equal(key(it.i), key(order[len(order)-1])) {
			continue
		}
		order = append(order, it.i)
	}
	return order
}

// writeSection writes the fan-out index, then the records in order.
// Errors stick in w and surface at Flush.
func writeSection(w *bufio.Writer, s *sectionData, size int, order []uint32, bits uint) {
	var b [4]byte
	le := binary.LittleEndian
	// index[k] is the first record whose top bits are >= k.
	next := 0
	for k := 0; k <= 1<<bits; k++ {
		for next < len(order) && bucketOf(s.keys[int(order[next])*size:], bits) < k {
			next++
		}
		le.PutUint32(b[:], uint32(next))
		w.Write(b[:])
	}
	for _, i := range order {
		w.Write(s.keys[int(i)*size : (int(i)+1)*size])
		le.PutUint32(b[:], s.labels[i])
		w.Write(b[:])
	}
}

func bucketOf(sum []byte, bits uint) int {
	if bits == 0 {
		return 0
	}
	return int(binary.BigEndian.Uint32(sum) >> (32 - bits))
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
