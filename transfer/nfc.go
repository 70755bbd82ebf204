package transfer

import (
	"sync"
	"unicode/utf8"
)

// composeLatin is a deliberately small stand-in for Unicode NFC: it
// composes a Latin letter directly followed by combining marks into the
// precomposed letter, using the canonical compositions whose result lies in
// U+00C0-U+024F or U+1E00-U+1EFF (nfc_table.go). That covers the names
// macOS and some Linux tools write in NFD for Western and Central European
// languages and Vietnamese, so that "e"+U+0301 and "é" become the same name.
//
// Known limits, compared with real NFC (golang.org/x/text/unicode/norm,
// not a dependency of this module):
//   - no other scripts: Greek, Cyrillic, Hangul, Indic... are left as they are;
//   - no canonical reordering of several marks, and a mark that does not
//     compose blocks the ones after it;
//   - precomposed input is never decomposed, so singletons such as U+212B
//     ANGSTROM SIGN stay distinct from U+00C5.
//
// Two names that differ only in these ways stay distinct transfer names.
// They are still safe (each is sanitized); they may merely look alike.
func composeLatin(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	table := compositionTable()
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if n := len(out); n > 0 {
			if c, ok := table[[2]rune{out[n-1], r}]; ok {
				out[n-1] = c
				continue
			}
		}
		out = append(out, r)
	}
	return string(out)
}

var compositionTable = sync.OnceValue(func() map[[2]rune]rune {
	m := make(map[[2]rune]rune, 512)
	for _, c := range latinCompositions {
		bases, composed := []rune(c.bases), []rune(c.composed)
		if len(bases) != len(composed) {
			panic("transfer: malformed composition table")
		}
		for i, b := range bases {
			m[[2]rune{b, c.mark}] = composed[i]
		}
	}
	return m
})
