package filetype

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"unicode/utf16"
)

const oleMagic = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

// detectOLE reads the first sector of a compound file's directory: the root
// entry's CLSID names Windows Installer files and most Office files, and
// the first stream names name the rest. Only that one sector is read; an
// OLE file the check cannot place stays a generic OLE document.
func detectOLE(s *source, h []byte) (Type, bool) {
	if !hasPrefix(h, oleMagic) {
		return Type{}, false
	}
	if len(h) < 0x4c {
		return typeOLE, true
	}
	shift := binary.LittleEndian.Uint16(h[0x1e:])
	if shift != 9 && shift != 12 {
		return typeOLE, true
	}
	sector := int64(1) << shift
	first := int64(binary.LittleEndian.Uint32(h[0x30:]))
	if first >= 0xfffffffa {
		return typeOLE, true
	}
	dir := s.at((first+1)*sector, int(sector))
	if dir == nil {
		return typeOLE, true
	}
	if t, ok := oleCLSIDs[string(dir[0x50:0x60])]; ok {
		return t, true
	}
	for off := 0; off+128 <= len(dir); off += 128 {
		if t, ok := oleStreams[oleName(dir[off:off+128])]; ok {
			return t, true
		}
	}
	return typeOLE, true
}

// oleName decodes a directory entry's UTF-16LE name.
func oleName(e []byte) string {
	n := int(binary.LittleEndian.Uint16(e[0x40:]))
	if n < 2 || n > 64 || n%2 != 0 {
		return ""
	}
	u := make([]uint16, 0, n/2-1)
	for i := 0; i+1 < n-2; i += 2 {
		u = append(u, binary.LittleEndian.Uint16(e[i:]))
	}
	return string(utf16.Decode(u))
}

var oleCLSIDs = map[string]Type{
	clsid("000C1084-0000-0000-C000-000000000046"): typeMSI,
	clsid("000C1086-0000-0000-C000-000000000046"): typeMSP,
	clsid("000C1082-0000-0000-C000-000000000046"): typeMST,
	clsid("00020906-0000-0000-C000-000000000046"): typeDoc,
	clsid("00020900-0000-0000-C000-000000000046"): typeDoc,
	clsid("00020907-0000-0000-C000-000000000046"): typeDoc,
	clsid("00020820-0000-0000-C000-000000000046"): typeXls,
	clsid("00020810-0000-0000-C000-000000000046"): typeXls,
	clsid("64818D10-4F9B-11CF-86EA-00AA00B929E8"): typePpt,
	clsid("EA7BAE70-FB3B-11CD-A903-00AA00510EA3"): typePpt,
	clsid("00020D0B-0000-0000-C000-000000000046"): typeMsg,
	clsid("00021201-0000-0000-00C0-000000000046"): typePub,
}

var oleStreams = map[string]Type{
	"WordDocument":        typeDoc,
	"Workbook":            typeXls,
	"Book":                typeXls,
	"PowerPoint Document": typePpt,
	"__nameid_version1.0": typeMsg,
}

// clsid returns a GUID as stored on disk: the first three groups little
// endian, the last two as written.
func clsid(g string) string {
	b, err := hex.DecodeString(strings.ReplaceAll(g, "-", ""))
	if err != nil || len(b) != 16 {
		panic("filetype: bad CLSID " + g)
	}
	reverse := func(p []byte) {
		for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
			p[i], p[j] = p[j], p[i]
		}
	}
	reverse(b[0:4])
	reverse(b[4:6])
	reverse(b[6:8])
	return string(b)
}
