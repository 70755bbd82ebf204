package media

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameBytes bounds an exposure folder name; labels are short (FAT 11
// bytes, ext4 16, NTFS 128 UTF-16 units), so this only cuts hostile ones.
const maxNameBytes = 64

// cleanLabel makes a volume label, which the drive chose, into a single
// harmless path element, or "" when nothing usable is left: invalid UTF-8,
// control and format characters (bidi overrides, zero-width ones) and
// '/' and '\' go; runs of spaces become one; leading dots (hidden
// folders, "." and "..") and leading and trailing spaces go.
func cleanLabel(label string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(label, "") {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r),
			unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
			continue
		case r == '/' || r == '\\':
			r = '_'
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		if b.Len() >= maxNameBytes {
			break
		}
	}
	s := b.String()
	for len(s) > maxNameBytes {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	s = strings.TrimLeft(s, ". ")
	s = strings.TrimRight(s, " ")
	return s
}

// exposeName picks the folder name for a volume: its label, else its
// UUID, else its device name, each cleaned; "drive" if all are empty.
func exposeName(label, uuid, dev string) string {
	for _, s := range []string{label, uuid, dev} {
		if c := cleanLabel(s); c != "" {
			return c
		}
	}
	return "drive"
}

// candidate returns the i-th name to try for base: base, base-2, base-3...
func candidate(base string, i int) string {
	if i == 0 {
		return base
	}
	suffix := "-" + strconv.Itoa(i+1)
	for len(base) > 0 && len(base)+len(suffix) > maxNameBytes {
		_, n := utf8.DecodeLastRuneInString(base)
		base = base[:len(base)-n]
	}
	return base + suffix
}

// decodeUdev undoes blkid's \xHH encoding.
func decodeUdev(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) && s[i+1] == 'x' {
			if n, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
