package hashdb

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Algo names a digest algorithm. The zero value is not a valid algorithm.
type Algo uint8

// The algorithms a list may hold, told apart by digest length.
const (
	MD5 Algo = iota + 1
	SHA1
	SHA256
)

// algos lists the valid algorithms in the order their sections are stored.
var algos = [...]Algo{SHA256, SHA1, MD5}

// String returns the lower-case name used in reports ("sha256").
func (a Algo) String() string {
	switch a {
	case MD5:
		return "md5"
	case SHA1:
		return "sha1"
	case SHA256:
		return "sha256"
	}
	return "algo(" + strconv.Itoa(int(a)) + ")"
}

// Size returns the digest length in bytes, or 0 for an invalid Algo.
func (a Algo) Size() int {
	switch a {
	case MD5:
		return 16
	case SHA1:
		return 20
	case SHA256:
		return 32
	}
	return 0
}

// algoForSize returns the algorithm whose digests are n bytes long.
func algoForSize(n int) (Algo, bool) {
	switch n {
	case 16:
		return MD5, true
	case 20:
		return SHA1, true
	case 32:
		return SHA256, true
	}
	return 0, false
}

// Entry is one digest from a list, with the label shown when it matches:
// the list's comment, file name or malware family.
type Entry struct {
	Algo  Algo
	Sum   []byte
	Label string
}

// LineError reports a line of a list that holds no usable digest. Text is
// the start of the line, made printable, for the admin to find it.
type LineError struct {
	Line   int
	Text   string
	Reason string
}

func (e LineError) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: %s: %q", e.Line, e.Reason, e.Text)
}

const (
	// maxLabel caps a label in bytes: labels come from untrusted lists
	// and end up on the touchscreen and in reports.
	maxLabel = 200
	// maxErrText caps LineError.Text in bytes.
	maxErrText = 80
)

// printable returns b with every byte or rune that is not printable
// replaced by a Go escape, cut to about maxErrText bytes.
func printable(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		if sb.Len() >= maxErrText {
			sb.WriteString("...")
			break
		}
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&sb, `\x%02x`, b[0])
		case strconv.IsPrint(r):
			sb.WriteRune(r)
		default:
			sb.WriteString(strings.Trim(strconv.QuoteRuneToASCII(r), "'"))
		}
		b = b[n:]
	}
	return sb.String()
}

// cleanLabel makes an untrusted label safe to show: valid UTF-8, no
// control or bidi-override characters, tabs turned into spaces, trimmed
// and cut to maxLabel bytes on a rune boundary.
func cleanLabel(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean && len(s) <= maxLabel && strings.TrimSpace(s) == s {
		return s
	}
	var sb strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\t':
			r = ' '
		case unicode.IsControl(r), isBidi(r):
			continue
		}
		if sb.Len()+utf8.RuneLen(r) > maxLabel {
			break
		}
		sb.WriteRune(r)
	}
	return strings.TrimSpace(sb.String())
}

// isBidi reports the explicit bidirectional formatting characters, which
// can make a label read as something else on screen.
func isBidi(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 ||
		r == 0x200e || r == 0x200f || r == 0x061c
}
