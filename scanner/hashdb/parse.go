package hashdb

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

const (
	// maxLine is the longest line Parse reads; longer lines are rejected
	// without being held in memory.
	maxLine = 64 << 10
	// maxLineErrors caps the LineErrors kept, so that a hostile list of
	// millions of bad lines cannot exhaust memory. The lines past the cap
	// are counted in one last LineError.
	maxLineErrors = 10000
	// bazaarColumns is the column count of a MalwareBazaar CSV export.
	bazaarColumns = 14
	// bazaarMinColumns is the fewest columns Parse needs: up to signature.
	bazaarMinColumns = 9
)

// Parse reads a text hash list. The format is detected per line, so one
// input may mix them: LOKI "HASH;comment", sha256sum/md5sum "HASH  name"
// or "HASH *name", MalwareBazaar CSV, and bare digests (VirusShare).
// Blank lines and lines starting with '#' are skipped. Every other line
// that yields no digest is reported as a LineError. The error is non-nil
// only when reading r fails.
func Parse(r io.Reader) ([]Entry, []LineError, error) {
	p := parser{labels: make(map[string]string)}
	br := bufio.NewReaderSize(r, maxLine+1)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			p.reject(n, line, fmt.Sprintf("line longer than %d bytes", maxLine))
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
		} else if len(line) > 0 {
			p.line(n, line)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read hash list: %w", err)
		}
	}
	if p.unlisted > 0 {
		p.errs = append(p.errs, LineError{
			Line:   p.firstUnlisted,
			Reason: fmt.Sprintf("%d more bad lines from here on not listed", p.unlisted),
		})
	}
	return p.entries, p.errs, nil
}

type parser struct {
	entries []Entry
	errs    []LineError
	// unlisted counts the bad lines past maxLineErrors.
	unlisted      int
	firstUnlisted int
	// labels interns labels: big lists repeat a few family names.
	labels map[string]string
	// arena backs the digests, to allocate in large chunks.
	arena []byte
	csv   *csv.Reader
	src   lineSource
}

func (p *parser) reject(n int, line []byte, reason string) {
	if len(p.errs) >= maxLineErrors {
		if p.unlisted == 0 {
			p.firstUnlisted = n
		}
		p.unlisted++
		return
	}
	p.errs = append(p.errs, LineError{Line: n, Text: printable(line), Reason: reason})
}

func (p *parser) line(n int, raw []byte) {
	raw = bytes.TrimSuffix(raw, []byte("\n"))
	raw = bytes.TrimSuffix(raw, []byte("\r"))
	if n == 1 {
		raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	}
	if bytes.IndexByte(raw, 0) >= 0 {
		p.reject(n, raw, "NUL byte in line")
		return
	}
	s := bytes.TrimSpace(raw)
	switch {
	case len(s) == 0, s[0] == '#':
	case s[0] == '"':
		p.csvLine(n, raw, s)
	default:
		p.hashLine(n, raw, s)
	}
}

// hashLine parses "HASH", "HASH;comment", "HASH  name" and "HASH *name".
func (p *parser) hashLine(n int, raw, s []byte) {
	// sha256sum starts a line with a backslash when it escaped the name.
	escaped := s[0] == '\\'
	if escaped {
		s = s[1:]
	}
	i := bytes.IndexAny(s, "; \t")
	if i < 0 {
		i = len(s)
	}
	sum, algo, reason := p.decode(s[:i])
	if reason != "" {
		p.reject(n, raw, reason)
		return
	}
	rest := bytes.TrimLeft(s[i:], " \t")
	var label string
	switch {
	case len(rest) == 0:
	case rest[0] == ';':
		label = string(rest[1:])
	default:
		// "*" marks binary mode in sha256sum output; it is not part of
		// the name.
		label = string(bytes.TrimPrefix(rest, []byte("*")))
		if escaped {
			label = unescapeName(label)
		}
	}
	p.add(algo, sum, label)
}

// csvLine parses one line of a MalwareBazaar CSV export.
func (p *parser) csvLine(n int, raw, s []byte) {
	if p.csv == nil {
		p.csv = csv.NewReader(&p.src)
		p.csv.FieldsPerRecord = -1
		p.csv.TrimLeadingSpace = true
		p.csv.ReuseRecord = true
	}
	p.src.b = s
	rec, err := p.csv.Read()
	if err != nil {
		// The reader may hold part of the line; start afresh.
		p.csv = nil
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		p.reject(n, raw, "bad CSV: "+err.Error())
		return
	}
	if len(rec) < bazaarMinColumns {
		p.reject(n, raw, fmt.Sprintf("CSV line has %d columns, want %d (MalwareBazaar)", len(rec), bazaarColumns))
		return
	}
	if rec[1] == "sha256_hash" { // an uncommented header line
		return
	}
	h := strings.TrimSpace(rec[1])
	if len(h) != 2*SHA256.Size() {
		p.reject(n, raw, fmt.Sprintf("sha256_hash column has %d characters, want 64 hex digits", len(h)))
		return
	}
	sum, algo, reason := p.decode([]byte(h))
	if reason != "" {
		p.reject(n, raw, reason)
		return
	}
	label := bazaarField(rec[8])
	if label == "" {
		label = bazaarField(rec[5])
	}
	p.add(algo, sum, label)
}

// bazaarField returns a field, or "" for MalwareBazaar's empty markers.
func bazaarField(s string) string {
	s = strings.TrimSpace(s)
	if s == "n/a" || s == "None" {
		return ""
	}
	return s
}

func (p *parser) add(a Algo, sum []byte, label string) {
	label = cleanLabel(label)
	if l, ok := p.labels[label]; ok {
		label = l
	} else {
		p.labels[label] = label
	}
	p.entries = append(p.entries, Entry{Algo: a, Sum: sum, Label: label})
}

// decode turns a hex digest into bytes taken from the arena. It returns a
// reason instead when h is not a digest of a known length.
func (p *parser) decode(h []byte) ([]byte, Algo, string) {
	algo, ok := algoForSize(len(h) / 2)
	if !ok || len(h)%2 != 0 {
		for _, c := range h {
			if !isHex(c) {
				return nil, 0, "not a hex digest"
			}
		}
		return nil, 0, fmt.Sprintf("digest has %d hex digits, want 32, 40 or 64", len(h))
	}
	size := algo.Size()
	if cap(p.arena)-len(p.arena) < size {
		p.arena = make([]byte, 0, 64<<10)
	}
	start := len(p.arena)
	p.arena = p.arena[:start+size]
	sum := p.arena[start : start+size : start+size]
	if _, err := hex.Decode(sum, h); err != nil {
		return nil, 0, "not a hex digest"
	}
	return sum, algo, ""
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unescapeName undoes sha256sum's escaping of '\\' and newlines in names.
func unescapeName(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			default:
				sb.WriteByte(s[i])
			}
			continue
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

// lineSource feeds one line at a time to a reused csv.Reader, then
// reports io.EOF until the next line is set.
type lineSource struct{ b []byte }

func (l *lineSource) Read(b []byte) (int, error) {
	if len(l.b) == 0 {
		return 0, io.EOF
	}
	n := copy(b, l.b)
	l.b = l.b[n:]
	return n, nil
}
