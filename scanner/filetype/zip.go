package filetype

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"strings"
)

// maxZipEntries bounds the local headers looked at in the zip window.
const maxZipEntries = 64

// zipEntry is a local file header seen in the zip window. data is the
// member's compressed bytes, cut short where the window ends.
type zipEntry struct {
	name   string
	method uint16
	extra  []byte
	data   []byte
}

// detectZip classifies a zip by the names of its first entries: packages
// that install or run (APK, MSIX, JAR) first, then ODF and OOXML documents.
// Readers trust the central directory, not these local headers, so a
// crafted file can look like a document here; the walker scans every member
// anyway and Document only relaxes the category allowlist for the parts.
func detectZip(s *source, h []byte) (Type, bool) {
	if !hasPrefix(h, "PK\x03\x04") && !hasPrefix(h, "PK\x05\x06") && !hasPrefix(h, "PK\x07\x08") {
		return Type{}, false
	}
	entries := zipEntries(s.prefix(zipWindow))
	if t, ok := zipPackage(entries); ok {
		return t, true
	}
	if t, ok := odf(entries); ok {
		return t, true
	}
	if t, ok := ooxml(entries); ok {
		return t, true
	}
	return typeZip, true
}

// zipEntries walks the local headers in w. A member written with a data
// descriptor has no size in its header; the walk then searches for the next
// header signature, as file(1) and mimetype do.
func zipEntries(w []byte) []zipEntry {
	var out []zipEntry
	sig := []byte("PK\x03\x04")
	for off := 0; len(out) < maxZipEntries; {
		if off < 0 || off+30 > len(w) {
			break
		}
		if !bytes.Equal(w[off:off+4], sig) {
			i := bytes.Index(w[off:], sig)
			if i < 0 {
				break
			}
			off += i
			continue
		}
		flags := binary.LittleEndian.Uint16(w[off+6:])
		method := binary.LittleEndian.Uint16(w[off+8:])
		csize := int(binary.LittleEndian.Uint32(w[off+18:]))
		nlen := int(binary.LittleEndian.Uint16(w[off+26:]))
		elen := int(binary.LittleEndian.Uint16(w[off+28:]))
		name := off + 30
		extra := name + nlen
		data := extra + elen
		if extra > len(w) {
			break
		}
		start := min(data, len(w))
		e := zipEntry{name: string(w[name:extra]), method: method, extra: w[extra:start]}
		next := data + csize
		if flags&8 != 0 && csize == 0 {
			// Size unknown: the data runs to the next header, or for a
			// deflated member to the end of its own stream.
			end := len(w)
			if method == 0 {
				for _, m := range [][]byte{sig, []byte("PK\x07\x08")} {
					if i := bytes.Index(w[start:], m); i >= 0 {
						end = min(end, start+i)
					}
				}
			}
			e.data = w[start:end]
			next = off + 4 // search for the next signature
		} else {
			e.data = w[start:min(data+csize, len(w))]
		}
		if next <= off {
			next = off + 4
		}
		out = append(out, e)
		off = next
	}
	return out
}

// zipPackage finds zips that install or run.
func zipPackage(entries []zipEntry) (Type, bool) {
	for i, e := range entries {
		switch {
		case e.name == "AndroidManifest.xml", e.name == "classes.dex":
			return typeAPK, true
		case e.name == "AppxManifest.xml", e.name == "AppxBlockMap.xml", strings.HasPrefix(e.name, "AppxMetadata/"):
			return typeMSIX, true
		case strings.EqualFold(e.name, "META-INF/MANIFEST.MF"):
			return typeJAR, true
		case i == 0 && bytes.Contains(e.extra, []byte{0xfe, 0xca, 0, 0}):
			// The JAR "executable" extra field, 0xCAFE with no data.
			return typeJAR, true
		}
	}
	return Type{}, false
}

// odf reads the "mimetype" member ODF and EPUB store first, uncompressed.
func odf(entries []zipEntry) (Type, bool) {
	if len(entries) == 0 || entries[0].name != "mimetype" || entries[0].method != 0 {
		return Type{}, false
	}
	m := strings.TrimSpace(string(entries[0].data))
	if len(m) > 100 || strings.ContainsFunc(m, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return Type{}, false
	}
	if m == "application/epub+zip" {
		return Type{MIME: m, Category: Document, Label: "EPUB", Container: "zip"}, true
	}
	const prefix = "application/vnd.oasis.opendocument."
	if !strings.HasPrefix(m, prefix) {
		return Type{}, false
	}
	label := "ODF"
	if l, ok := odfLabels[strings.TrimPrefix(m, prefix)]; ok {
		label = l
	}
	return Type{MIME: m, Category: Document, Label: label, Container: "zip", Document: true}, true
}

var odfLabels = map[string]string{
	"text": "ODT", "text-template": "OTT", "text-master": "ODM", "text-web": "OTH",
	"spreadsheet": "ODS", "spreadsheet-template": "OTS",
	"presentation": "ODP", "presentation-template": "OTP",
	"graphics": "ODG", "graphics-template": "OTG",
	"formula": "ODF", "chart": "ODC", "database": "ODB", "image": "ODI",
}

// ooxml recognises Office Open XML packages from the main part's content
// type in [Content_Types].xml, and falls back to the part names.
func ooxml(entries []zipEntry) (Type, bool) {
	var ct []byte
	found := false
	var kind string
	macro := false
	for _, e := range entries {
		switch {
		case e.name == "[Content_Types].xml":
			found = true
			ct = inflate(e)
		case kind == "" && strings.HasPrefix(e.name, "word/"):
			kind = "docx"
		case kind == "" && strings.HasPrefix(e.name, "xl/"):
			kind = "xlsx"
		case kind == "" && strings.HasPrefix(e.name, "ppt/"):
			kind = "pptx"
		case kind == "" && strings.HasPrefix(e.name, "visio/"):
			kind = "vsdx"
		}
		if strings.HasSuffix(strings.ToLower(e.name), "vbaproject.bin") {
			macro = true
		}
	}
	if !found {
		return Type{}, false
	}
	for _, m := range ooxmlMains {
		if bytes.Contains(ct, []byte(m.contentType)) {
			kind = m.ext
			break
		}
	}
	if kind == "" {
		return Type{}, false
	}
	if macro || bytes.Contains(ct, []byte("application/vnd.ms-office.vbaProject")) {
		if m, ok := ooxmlMacro[kind]; ok {
			kind = m
		}
	}
	return Type{MIME: ooxmlMIME[kind], Category: Document, Label: "Office", Container: "zip", Document: true}, true
}

// inflate returns up to zipWindow bytes of a member's content; a member cut
// short by the window yields what could be decoded.
func inflate(e zipEntry) []byte {
	switch e.method {
	case 0:
		return e.data
	case 8:
		b, _ := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(e.data)), zipWindow))
		return b
	}
	return nil
}

var ooxmlMains = []struct{ contentType, ext string }{
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "docx"},
	{"application/vnd.ms-word.document.macroEnabled.main+xml", "docm"},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml", "dotx"},
	{"application/vnd.ms-word.template.macroEnabledTemplate.main+xml", "dotm"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xlsx"},
	{"application/vnd.ms-excel.sheet.macroEnabled.main+xml", "xlsm"},
	{"application/vnd.ms-excel.sheet.binary.macroEnabled.main", "xlsb"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml", "xltx"},
	{"application/vnd.ms-excel.template.macroEnabled.main+xml", "xltm"},
	{"application/vnd.ms-excel.addin.macroEnabled.main+xml", "xlam"},
	{"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "pptx"},
	{"application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml", "pptm"},
	{"application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml", "ppsx"},
	{"application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml", "ppsm"},
	{"application/vnd.openxmlformats-officedocument.presentationml.template.main+xml", "potx"},
	{"application/vnd.ms-powerpoint.template.macroEnabled.main+xml", "potm"},
	{"application/vnd.ms-powerpoint.addin.macroEnabled.main+xml", "ppam"},
	{"application/vnd.ms-visio.drawing.macroEnabled.main+xml", "vsdm"},
	{"application/vnd.ms-visio.drawing.main+xml", "vsdx"},
}

// ooxmlMacro is the macro-enabled twin of each kind, for packages that
// carry a VBA project under a macro-free main content type.
var ooxmlMacro = map[string]string{
	"docx": "docm", "dotx": "dotm", "xlsx": "xlsm", "xltx": "xltm",
	"pptx": "pptm", "ppsx": "ppsm", "potx": "potm", "vsdx": "vsdm",
}

var ooxmlMIME = map[string]string{
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"docm": "application/vnd.ms-word.document.macroEnabled.12",
	"dotx": "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
	"dotm": "application/vnd.ms-word.template.macroEnabled.12",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
	"xlsb": "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
	"xltx": "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
	"xltm": "application/vnd.ms-excel.template.macroEnabled.12",
	"xlam": "application/vnd.ms-excel.addin.macroEnabled.12",
	"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"pptm": "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
	"ppsx": "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
	"ppsm": "application/vnd.ms-powerpoint.slideshow.macroEnabled.12",
	"potx": "application/vnd.openxmlformats-officedocument.presentationml.template",
	"potm": "application/vnd.ms-powerpoint.template.macroEnabled.12",
	"ppam": "application/vnd.ms-powerpoint.addin.macroEnabled.12",
	"vsdx": "application/vnd.ms-visio.drawing.main+xml",
	"vsdm": "application/vnd.ms-visio.drawing.macroEnabled.main+xml",
}
