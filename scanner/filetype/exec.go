package filetype

import (
	"encoding/binary"
)

// detectExecutable recognises native and byte-code executables and Windows
// shortcuts. The checks are deliberately loose where a loose match can only
// block more (any MZ, any CAFEBABE), and strict where the format is
// ambiguous (a fat Mach-O and a Java class share their magic).
func detectExecutable(s *source, h []byte) (Type, bool) {
	if len(h) < 2 {
		return Type{}, false
	}
	switch {
	case string(h[:2]) == "MZ":
		// MS-DOS also ran "ZM"; nothing that loads programs today does,
		// and text starting "ZM" is not rare enough to block.
		return detectMZ(s, h), true
	case hasPrefix(h, "\x7fELF"):
		return detectELF(h), true
	case hasPrefix(h, "\x00asm"):
		return typeWASM, true
	case hasPrefix(h, "dex\n"):
		return typeDEX, true
	case hasPrefix(h, "\x4c\x00\x00\x00\x01\x14\x02\x00"):
		return typeLNK, true
	}
	if len(h) < 4 {
		return Type{}, false
	}
	switch binary.BigEndian.Uint32(h) {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabf:
		return typeMachO, true
	case 0xcafebabe:
		return detectCafeBabe(h), true
	}
	return Type{}, false
}

// detectMZ tells a PE image from a DOS (or NE/LE) program by the signature
// at e_lfanew, which may lie beyond the header read so far.
func detectMZ(s *source, h []byte) Type {
	if len(h) < 0x40 {
		return typeDOS
	}
	lfanew := int64(binary.LittleEndian.Uint32(h[0x3c:]))
	if sig := s.at(lfanew, 4); sig != nil && string(sig) == "PE\x00\x00" {
		return typePE
	}
	return typeDOS
}

// detectELF names the ELF object type as file(1) does; all of them are
// executables for the policy (a core dump or an object file on a transfer
// drive is no better).
func detectELF(h []byte) Type {
	t := typeELF
	if len(h) < 18 {
		return t
	}
	var typ uint16
	switch h[5] {
	case 1:
		typ = binary.LittleEndian.Uint16(h[16:])
	case 2:
		typ = binary.BigEndian.Uint16(h[16:])
	}
	switch typ {
	case 1:
		t.MIME = "application/x-object"
	case 3:
		t.MIME = "application/x-sharedlib"
	case 4:
		t.MIME = "application/x-coredump"
	}
	return t
}

// detectCafeBabe separates a fat (universal) Mach-O from a Java class. In a
// fat binary the next word is the number of architectures, a handful; in a
// class file it is the minor and major version, and the major version of
// every Java release is 45 or more.
func detectCafeBabe(h []byte) Type {
	if len(h) < 8 {
		return typeClass
	}
	if n := binary.BigEndian.Uint32(h[4:]); n < 45 {
		return typeMachO
	}
	return typeClass
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}
