package transfer

import "golang.org/x/text/unicode/norm"

// composeNFC puts a name in Unicode Normalization Form C. macOS writes
// names decomposed (NFD) and Windows composed, so "é" can reach the
// station as one code point or two; without this, two files that a plant
// PC shows under the same name could both be published.
func composeNFC(s string) string { return norm.NFC.String(s) }
