package filetype

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
)

// Read bounds. Every check and mimetype see the first headSize bytes. Zips
// get a longer prefix so that the first entries' names and the OOXML content
// types can be read; a few formats need a small block elsewhere (the PE
// header at e_lfanew, the OLE directory, the ISO volume descriptor at 32 KiB,
// a VHD or DMG footer). Whatever the input, Detect reads at most maxRead
// bytes in total.
const (
	headSize  = 4 << 10
	zipWindow = 64 << 10
	maxRead   = 96 << 10
)

// ErrNegativeSize is returned by Detect for a size below zero.
var ErrNegativeSize = errors.New("negative size")

// Detect returns the type of the size bytes readable from r. It reads a
// bounded part of the file (see maxRead), never the whole of it. An error
// means the header could not be read; the caller must then block the file.
func Detect(r io.ReaderAt, size int64) (Type, error) {
	if size < 0 {
		return Type{}, fmt.Errorf("detect type: %w", ErrNegativeSize)
	}
	s := &source{r: r, size: size}
	head := s.prefix(headSize)
	if s.err != nil {
		return Type{}, fmt.Errorf("read header: %w", s.err)
	}
	if len(head) == 0 {
		return typeEmpty, nil
	}
	t := detect(s, head)
	if s.err != nil {
		return Type{}, fmt.Errorf("read header: %w", s.err)
	}
	return t, nil
}

// detectors run in order and the first that recognises the bytes wins.
// Executables, shortcuts and scripts come first so that a polyglot which is
// both a program and an archive is treated as the program. ISO comes before
// zip and tar because its first 32 KiB are free for anything, and the
// station cannot open it.
var detectors = []func(*source, []byte) (Type, bool){
	detectExecutable,
	func(_ *source, h []byte) (Type, bool) { return detectScript(h) },
	detectISO,
	detectZip,
	detectOLE,
	func(_ *source, h []byte) (Type, bool) { return detectTar(h) },
	func(_ *source, h []byte) (Type, bool) { return detectMagic(h) },
	detectFooter,
}

func detect(s *source, head []byte) Type {
	for _, d := range detectors {
		if t, ok := d(s, head); ok {
			return t
		}
	}
	t := fromMIME(mimetype.Detect(head))
	// mimetype takes any "CWS", "FWS" or "ZWS" for Flash; swf above is
	// stricter, and a text that merely starts with those letters is text.
	if t.MIME == "application/x-shockwave-flash" && isPlainText(head) {
		return Type{MIME: "text/plain", Category: Text, Label: "TEXT"}
	}
	return t
}

// isPlainText reports whether b is UTF-8 without control characters other
// than white space. A multi-byte character cut by the end of b is allowed.
func isPlainText(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 && len(b) >= utf8.UTFMax {
			return false
		}
		if r < ' ' && !isSpace(byte(r)) || r == 0x7f {
			return false
		}
		b = b[n:]
	}
	return true
}

func detectMagic(h []byte) (Type, bool) {
	for _, m := range magics {
		if len(h) >= m.off+len(m.sig) && string(h[m.off:m.off+len(m.sig)]) == m.sig {
			return m.t, true
		}
	}
	if t, ok := swf(h); ok {
		return t, true
	}
	return Type{}, false
}

// detectISO looks for an ISO 9660 ("CD001") or UDF ("BEA01") volume
// descriptor in sector 16.
func detectISO(s *source, _ []byte) (Type, bool) {
	b := s.at(0x8000, 6)
	if b != nil && (string(b[1:]) == "CD001" || string(b[1:]) == "BEA01") {
		return typeISO, true
	}
	return Type{}, false
}

// detectFooter finds disk images identified by their last sector: a fixed
// VHD ("conectix") or an Apple disk image ("koly").
func detectFooter(s *source, _ []byte) (Type, bool) {
	b := s.at(s.size-512, 8)
	switch {
	case b == nil:
		return Type{}, false
	case string(b) == "conectix":
		return typeVHD, true
	case string(b[:4]) == "koly":
		return typeDMG, true
	}
	return Type{}, false
}

// source reads the file under the maxRead budget. It keeps the prefix read
// so far and remembers the first read error other than EOF; a file shorter
// than its claimed size is not an error, it just ends earlier.
type source struct {
	r    io.ReaderAt
	size int64
	buf  []byte
	read int
	err  error
}

// prefix returns up to n bytes from the start of the file.
func (s *source) prefix(n int) []byte {
	if int64(n) > s.size {
		n = int(s.size)
	}
	if room := len(s.buf) + maxRead - s.read; n > room {
		n = room
	}
	if n > len(s.buf) && s.err == nil {
		more := make([]byte, n-len(s.buf))
		m, err := s.r.ReadAt(more, int64(len(s.buf)))
		m = min(max(m, 0), len(more))
		s.read += m
		s.buf = append(s.buf, more[:m]...)
		if m < len(more) {
			s.size = int64(len(s.buf))
			if err != nil && !errors.Is(err, io.EOF) {
				s.err = err
			}
		}
	}
	return s.buf[:min(n, len(s.buf))]
}

// at returns the n bytes at off, or nil when the file does not hold them
// all or the budget is spent.
func (s *source) at(off int64, n int) []byte {
	if off < 0 || n <= 0 || off > s.size-int64(n) || s.err != nil {
		return nil
	}
	if off+int64(n) <= int64(len(s.buf)) {
		return s.buf[off : off+int64(n)]
	}
	if s.read+n > maxRead {
		return nil
	}
	b := make([]byte, n)
	m, err := s.r.ReadAt(b, off)
	m = min(max(m, 0), n)
	s.read += m
	if m < n {
		if err != nil && !errors.Is(err, io.EOF) {
			s.err = err
		}
		return nil
	}
	return b
}

// hasPrefixFold reports whether b starts with the ASCII string p, ignoring
// case.
func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && bytes.EqualFold(b[:len(p)], []byte(p))
}
