package filetype

// detectTar accepts a tar header by its checksum, which every tar format
// shares: ustar and GNU headers carry a magic at 257, the original v7
// format carries none. A bad checksum under a ustar magic still counts, so
// that the walker refuses it instead of the station passing it as data.
func detectTar(h []byte) (Type, bool) {
	if len(h) < 512 {
		return Type{}, false
	}
	hdr := h[:512]
	if hasPrefix(hdr[257:], "ustar") {
		return typeTar, true
	}
	want, ok := parseOctal(hdr[148:156])
	if !ok {
		return Type{}, false
	}
	// Old tars summed signed bytes; accept either sum.
	var unsigned, signed int64
	for i, b := range hdr {
		if i >= 148 && i < 156 {
			b = ' '
		}
		unsigned += int64(b)
		signed += int64(int8(b))
	}
	if want != unsigned && want != signed {
		return Type{}, false
	}
	return typeTar, true
}

// parseOctal reads a NUL- or space-terminated octal field, leading spaces
// and NULs allowed. A field without digits is not a number.
func parseOctal(f []byte) (int64, bool) {
	i := 0
	for i < len(f) && (f[i] == ' ' || f[i] == 0) {
		i++
	}
	var v int64
	digits := 0
	for ; i < len(f) && f[i] >= '0' && f[i] <= '7'; i++ {
		v = v<<3 | int64(f[i]-'0')
		digits++
	}
	for ; i < len(f); i++ {
		if f[i] != ' ' && f[i] != 0 {
			return 0, false
		}
	}
	return v, digits > 0
}

// IsTarHeader reports whether h starts with a tar header, by the same
// test Detect uses. The archive walker uses it to read a tar straight out
// of a compressed stream.
func IsTarHeader(h []byte) bool {
	_, ok := detectTar(h)
	return ok
}
