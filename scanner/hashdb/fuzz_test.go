package hashdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
	"unicode"
)

var testdataLists = []string{"loki.txt", "sha256sum.txt", "md5sum.txt", "sha1sum-crlf.txt", "bazaar.csv", "virusshare.txt", "bad.txt"}

// encodeTable compiles entries into table bytes in memory, as Write would
// into a file.
func encodeTable(t testing.TB, entries []Entry) []byte {
	t.Helper()
	secs, pool, err := collect(entries)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	tbl, err := layout(secs, pool)
	if err != nil {
		t.Fatalf("layout: %v", err)
	}
	var buf bytes.Buffer
	if err := tbl.encode(&buf); err != nil {
		t.Fatalf("encode: %v", err)
	}
	b := buf.Bytes()
	copy(b, tbl.h.marshal())
	return b
}

func FuzzParse(f *testing.F) {
	for _, name := range testdataLists {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte("\"a\", \"" + eicarSHA256 + "\", \"\n\"\n"))
	f.Add([]byte("\\" + eicarMD5 + "  a\\\\b\\nc\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		entries, errs, err := Parse(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("Parse error = %v, want nil", err)
		}
		lines := bytes.Count(in, []byte("\n")) + 1
		if len(entries)+len(errs) > lines {
			t.Fatalf("Parse gave %d entries and %d errors from %d lines", len(entries), len(errs), lines)
		}
		prev := 0
		for _, e := range errs {
			if e.Line <= prev || e.Line > lines {
				t.Fatalf("line error on line %d after line %d, input of %d lines", e.Line, prev, lines)
			}
			prev = e.Line
			// One escaped rune may overshoot the cap, then "...".
			if len(e.Text) > maxErrText+len(`\U0010ffff...`) {
				t.Fatalf("line error text of %d bytes: %q", len(e.Text), e.Text)
			}
			for _, r := range e.Text {
				if !unicode.IsPrint(r) {
					t.Fatalf("line error text %q holds %U", e.Text, r)
				}
			}
		}
		first := make(map[string]string)
		for _, e := range entries {
			if len(e.Sum) != e.Algo.Size() || e.Algo.Size() == 0 {
				t.Fatalf("entry %s with %d-byte digest", e.Algo, len(e.Sum))
			}
			if len(e.Label) > maxLabel || cleanLabel(e.Label) != e.Label {
				t.Fatalf("entry label %q is not clean", e.Label)
			}
			if _, ok := first[e.Algo.String()+string(e.Sum)]; !ok {
				first[e.Algo.String()+string(e.Sum)] = e.Label
			}
		}
		l, err := newList(encodeTable(t, entries))
		if err != nil {
			t.Fatalf("newList(compiled table) error = %v", err)
		}
		for _, e := range entries {
			label, ok := l.Lookup(e.Algo, e.Sum)
			if want := first[e.Algo.String()+string(e.Sum)]; !ok || label != want {
				t.Fatalf("Lookup(%s, %x) = %q, %t, want %q, true", e.Algo, e.Sum, label, ok, want)
			}
		}
	})
}

func FuzzOpen(f *testing.F) {
	for _, name := range testdataLists {
		entries, _, err := Parse(bytes.NewReader(readTestdata(f, name)))
		if err != nil {
			f.Fatal(err)
		}
		b := encodeTable(f, entries)
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add(encodeTable(f, nil))
	f.Add(encodeTable(f, testdataEntries(f)))
	// Open is a size check, a mapping and newList. Writing and mapping a
	// file costs about a millisecond here, so the fuzzer drives newList
	// on the bytes to reach a hundred times more inputs; TestOpenRejects
	// covers the file path.
	f.Fuzz(func(t *testing.T, data []byte) {
		probeTable(t, data)
		if len(data) >= headerSize {
			// Mutated headers almost never keep a valid checksum; fix it
			// and the size so the fuzzer explores the sections and body.
			b := bytes.Clone(data)
			binary.LittleEndian.PutUint64(b[16:], uint64(len(b)))
			binary.LittleEndian.PutUint32(b[headerCRCAt:], crc32.Checksum(b[:headerCRCAt], castagnoli))
			probeTable(t, b)
		}
	})
}

// probeTable opens data as a table and looks up digests that are in it,
// near it and absent: opening may fail, lookups must not panic.
func probeTable(t *testing.T, data []byte) {
	l, err := newList(data)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
			t.Fatalf("Open error = %v, want ErrCorrupt or ErrVersion", err)
		}
		return
	}
	defer l.Close()
	l.Needs()
	for _, a := range algos {
		l.Len(a)
		size := a.Size()
		probes := [][]byte{make([]byte, size), bytes.Repeat([]byte{0xff}, size)}
		// Digests copied from every 7th offset of the file hit records
		// of a valid table and junk of a broken one.
		for off := 0; off+size <= len(data) && len(probes) < 64; off += 7 {
			probes = append(probes, data[off:off+size])
		}
		s := l.secs[a]
		for i := 0; i < s.count && i < 64; i++ {
			probes = append(probes, s.recs[i*s.width:i*s.width+size])
		}
		for _, p := range probes {
			l.Lookup(a, bytes.Clone(p))
		}
	}
}
