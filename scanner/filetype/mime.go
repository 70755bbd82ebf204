package filetype

import (
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// mimeInfo overrides what fromMIME would derive from a mimetype result.
type mimeInfo struct {
	cat       Category
	label     string
	container string
}

// mimeTypes places the mimetype results whose category, label or container
// does not follow from the MIME prefix. Types this package detects itself
// are listed too, in case mimetype sees them first in some other path.
var mimeTypes = map[string]mimeInfo{
	"application/octet-stream": {Unknown, "UNKNOWN", ""},

	"application/pdf":                           {Document, "PDF", ""},
	"application/vnd.fdf":                       {Document, "FDF", ""},
	"application/vnd.adobe.xfdf":                {Document, "XFDF", ""},
	"text/rtf":                                  {Document, "RTF", ""},
	"application/postscript":                    {Document, "PS", ""},
	"application/x-ole-storage":                 {Document, "OLE", ""},
	"application/msword":                        {Document, "OLE", ""},
	"application/vnd.ms-excel":                  {Document, "OLE", ""},
	"application/vnd.ms-powerpoint":             {Document, "OLE", ""},
	"application/vnd.ms-publisher":              {Document, "OLE", ""},
	"application/vnd.ms-outlook":                {Document, "OLE", ""},
	"application/vnd.wordperfect":               {Document, "WPD", ""},
	"application/vnd.lotus-1-2-3":               {Document, "123", ""},
	"application/vnd.framemaker":                {Document, "FM", ""},
	"application/x-mobipocket-ebook":            {Document, "MOBI", ""},
	"application/epub+zip":                      {Document, "EPUB", "zip"},
	"application/vnd.ms-visio.drawing.main+xml": {Document, "Office", "zip"},

	"text/plain":                {Text, "TEXT", ""},
	"text/html":                 {Text, "HTML", ""},
	"application/xhtml+xml":     {Text, "HTML", ""},
	"text/xml":                  {Text, "XML", ""},
	"image/svg+xml":             {Text, "SVG", ""},
	"application/json":          {Text, "JSON", ""},
	"text/csv":                  {Text, "CSV", ""},
	"text/tab-separated-values": {Text, "TSV", ""},
	// An e-mail carries attachments the station cannot unpack.
	"message/rfc822": {Unknown, "EML", ""},

	// mimetype knows these scripts by their shebang only.
	"text/x-php":                                    {Script, "PHP", ""},
	"text/javascript":                               {Script, "UNIX SCRIPT", ""},
	"text/x-lua":                                    {Script, "UNIX SCRIPT", ""},
	"text/x-perl":                                   {Script, "UNIX SCRIPT", ""},
	"text/x-python":                                 {Script, "UNIX SCRIPT", ""},
	"text/x-ruby":                                   {Script, "UNIX SCRIPT", ""},
	"text/x-shellscript":                            {Script, "UNIX SCRIPT", ""},
	"text/x-tcl":                                    {Script, "UNIX SCRIPT", ""},
	"application/x-bytecode.python":                 {Script, "PYC", ""},
	"application/vnd.ms-htmlhelp":                   {Script, "CHM", ""},
	"application/x-shockwave-flash":                 {Unknown, "FWS (Flash)", ""},
	"application/x-java-applet":                     {Executable, "Class", ""},
	"application/java-archive":                      {Executable, "JAR", "zip"},
	"application/vnd.android.package-archive":       {Executable, "APK", "zip"},
	"application/vnd.microsoft.portable-executable": {Executable, "EXE", ""},
	"application/x-elf":                             {Executable, "ELF", ""},
	"application/x-executable":                      {Executable, "ELF", ""},
	"application/x-sharedlib":                       {Executable, "ELF", ""},
	"application/x-object":                          {Executable, "ELF", ""},
	"application/x-coredump":                        {Executable, "ELF", ""},
	"application/x-mach-binary":                     {Executable, "MACH-O", ""},
	"application/wasm":                              {Executable, "WASM", ""},
	"application/x-ms-installer":                    {Executable, "OLE", ""},
	"application/x-ms-shortcut":                     {Shortcut, "LNK", ""},
	"application/vnd.debian.binary-package":         {Executable, "DEB", ""},
	"application/x-rpm":                             {Executable, "RPM", ""},
	"application/x-chrome-extension":                {Executable, "CRX", ""},

	"application/zip":                   {Archive, "ZIP", "zip"},
	"application/x-tar":                 {Archive, "TAR", "tar"},
	"application/gzip":                  {Archive, "GZIP", "gzip"},
	"application/x-bzip2":               {Archive, "BZip2", "bzip2"},
	"application/x-xz":                  {Archive, "XZ", "xz"},
	"application/x-7z-compressed":       {Archive, "7Zip", "7z"},
	"application/vnd.rar":               {Archive, "RAR", "rar"},
	"application/vnd.ms-cab-compressed": {Archive, "CAB", "cab"},
	"application/x-installshield":       {Archive, "CAB", "installshield"},
	"application/zstd":                  {Archive, "ZST", "zstd"},
	"application/lzip":                  {Archive, "LZ", "lzip"},
	"application/x-cpio":                {Archive, "CPIO", "cpio"},
	"application/x-archive":             {Archive, "AR", "ar"},
	"application/x-xar":                 {Archive, "XAR", "xar"},
	"application/vnd.google-earth.kmz":  {Archive, "KMZ", "zip"},

	"image/jpeg":        {Image, "JPEG", ""},
	"image/tiff":        {Image, "TIFF", ""},
	"image/x-icon":      {Image, "ICO", ""},
	"application/dicom": {Image, "DCM", ""},

	"application/ogg":                  {Media, "OGG", ""},
	"application/vnd.rn-realmedia-vbr": {Media, "RMVB", ""},
}

// fromMIME turns a mimetype result into a Type. The category follows the
// table above, then the MIME's top-level type, then its parents (JSON and
// the XML dialects descend from text/plain); anything else is Unknown and
// so blocked by the default policy.
func fromMIME(m *mimetype.MIME) Type {
	mime := stripParams(m.String())
	t := Type{MIME: mime, Category: Unknown}
	if info, ok := mimeTypes[mime]; ok {
		t.Category, t.Label, t.Container = info.cat, info.label, info.container
		return t
	}
	t.Label = strings.ToUpper(strings.TrimPrefix(m.Extension(), "."))
	if t.Label == "" {
		t.Label = "UNKNOWN"
	}
	switch top, _, _ := strings.Cut(mime, "/"); top {
	case "image":
		t.Category = Image
		return t
	case "audio", "video":
		t.Category = Media
		return t
	case "text":
		t.Category = Text
		return t
	}
	for p := m.Parent(); p != nil; p = p.Parent() {
		switch stripParams(p.String()) {
		case "text/plain", "text/xml":
			t.Category = Text
			return t
		case "application/zip":
			t.Category, t.Container = Archive, "zip"
			return t
		}
	}
	return t
}

// stripParams drops "; charset=..." so that policies match the bare MIME.
func stripParams(m string) string {
	m, _, _ = strings.Cut(m, ";")
	return strings.TrimSpace(m)
}
