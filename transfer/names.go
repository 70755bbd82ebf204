package transfer

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Replacement is the character that stands in for whatever a name may not
// hold.
const Replacement = '_'

const (
	// maxNameBytes is the longest component: ext4, XFS and Samba allow 255
	// bytes, NTFS 255 UTF-16 units (never fewer than the UTF-8 bytes).
	maxNameBytes = 255
	// maxExtBytes is the longest extension kept when a name is shortened.
	maxExtBytes = 32
	// maxPathBytes and maxDepth bound a path as Add accepts it, leaving
	// room for collision suffixes under the manifest's 4096-byte limit.
	maxPathBytes = 3072
	maxDepth     = 64
	// metaDir is the transfer's own directory at the root.
	metaDir = ".sluice"
)

// SafeName maps one path component from a drive to a name that is safe on
// Linux, Windows and Samba clients, applying in order:
//
//  1. each run of bytes that is not valid UTF-8 becomes one '_';
//  2. the name is put in Unicode NFC, so that a decomposed "é" (as macOS
//     writes it) and a composed one are the same name;
//  3. each of these characters becomes '_': controls U+0000-U+001F,
//     U+007F-U+009F; the Windows-forbidden < > : " / \ | ? *; invisible
//     formatting characters (Unicode category Cf: bidi embeddings and
//     overrides U+202A-U+202E, isolates U+2066-U+2069, marks U+200E/F
//     and U+061C, zero-width U+200B-U+200D, U+2060-U+2064, U+FEFF, soft
//     hyphen, tags...); line and paragraph separators U+2028/U+2029; the
//     invisible Hangul fillers U+115F, U+1160, U+3164, U+FFA0; and the
//     noncharacters U+FDD0-U+FDEF and U+xxFFFE/U+xxFFFF;
//  4. each trailing '.' or ' ' becomes '_', which Windows would otherwise
//     strip ("evil.exe." would open as "evil.exe"), so "." is "_" and
//     ".." is "__"; an empty name becomes "_";
//  5. a Windows device name gets a '_' in front: CON, PRN, AUX, NUL,
//     CONIN$, CONOUT$, COM0-COM9, LPT0-LPT9 and COM¹²³/LPT¹²³, in any
//     case, alone or before the first '.' ("nul.tar.gz", "COM1 .txt");
//  6. a name over 255 bytes is cut at a character boundary, keeping its
//     extension (from the last '.', when at most 32 bytes), and step 4 is
//     applied again.
//
// SafeName(SafeName(x)) == SafeName(x) for every x.
func SafeName(component string) string {
	s := strings.ToValidUTF8(component, string(Replacement))
	s = composeNFC(s)
	s = strings.Map(func(r rune) rune {
		if unsafeRune(r) {
			return Replacement
		}
		return r
	}, s)
	s = fixTrailing(s)
	if reservedDevice(s) {
		s = string(Replacement) + s
	}
	return capName(s, "")
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case strings.ContainsRune(`<>:"/\|?*`, r):
		return true
	case r == 0x2028, r == 0x2029, r == 0x115f, r == 0x1160, r == 0x3164, r == 0xffa0:
		return true
	case r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe:
		return true
	}
	return r >= 0xad && unicode.Is(unicode.Cf, r)
}

// fixTrailing replaces each trailing dot or space with the replacement,
// and an empty name with one.
func fixTrailing(s string) string {
	if s == "" {
		return string(Replacement)
	}
	end := len(s)
	for end > 0 && (s[end-1] == '.' || s[end-1] == ' ') {
		end--
	}
	return s[:end] + strings.Repeat(string(Replacement), len(s)-end)
}

var deviceNames = map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true}

func reservedDevice(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	if deviceNames[base] {
		return true
	}
	if len(base) < 4 || (base[:3] != "COM" && base[:3] != "LPT") {
		return false
	}
	switch base[3:] {
	case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
		return true
	}
	return false
}

// splitExt splits a name into stem and extension at its last dot; a leading
// dot (".profile") starts no extension.
func splitExt(name string) (stem, ext string) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return name, ""
	}
	return name[:i], name[i:]
}

// capName appends suffix to the stem of name (before the extension) and
// shortens the stem so that the result fits in maxNameBytes.
func capName(name, suffix string) string {
	if len(name)+len(suffix) <= maxNameBytes {
		if suffix == "" {
			return name
		}
		stem, ext := splitExt(name)
		return stem + suffix + ext
	}
	stem, ext := splitExt(name)
	if len(ext) > maxExtBytes {
		stem, ext = name, ""
	}
	room := maxNameBytes - len(suffix) - len(ext)
	for len(stem) > room {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	if ext == "" && suffix == "" {
		return fixTrailing(stem)
	}
	return stem + suffix + ext
}

// withSuffix gives the n-th alternative of a safe name: "a (2).txt".
func withSuffix(name string, n int) string {
	return capName(name, " ("+strconv.Itoa(n)+")")
}

// foldKey is the key under which two names collide on a case-insensitive
// client: every rune is mapped to the smallest rune of its simple case
// folding orbit ('K', 'k' and U+212A KELVIN SIGN alike).
func foldKey(name string) string {
	return strings.Map(func(r rune) rune {
		min := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < min {
				min = f
			}
		}
		return min
	}, name)
}

// safePath reports whether p is a relative, slash-separated path whose
// every component is already safe, so it can only name something inside
// the transfer root. It is what ParseManifest demands of every listed path.
func safePath(p string) bool {
	if p == "" || len(p) > 4096 {
		return false
	}
	for _, c := range strings.Split(p, "/") {
		if c == "" || c == "." || c == ".." || SafeName(c) != c {
			return false
		}
	}
	return true
}
