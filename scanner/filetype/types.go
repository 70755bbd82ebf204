package filetype

// The types this package's own checks return. Labels follow LOKI's
// file-type-signatures list where it names the type (EXE, ELF, LNK, OLE,
// PDF, RTF, GZIP, BZip2, 7Zip, RAR, CAB, ZIP, JAR, Class, PHP, MDMP, ...) and
// the names signature-base rules test otherwise (MACH-O, BATCH).
var (
	typeEmpty   = Type{MIME: "inode/x-empty", Category: Text, Label: "EMPTY"}
	typeUnknown = Type{MIME: "application/octet-stream", Category: Unknown, Label: "UNKNOWN"}

	// Executables. Every MZ file is an executable: 16-bit DOS programs and
	// NE/LE images have no PE header but still run somewhere.
	typePE    = Type{MIME: "application/vnd.microsoft.portable-executable", Category: Executable, Label: "EXE"}
	typeDOS   = Type{MIME: "application/x-dosexec", Category: Executable, Label: "EXE"}
	typeELF   = Type{MIME: "application/x-executable", Category: Executable, Label: "ELF"}
	typeMachO = Type{MIME: "application/x-mach-binary", Category: Executable, Label: "MACH-O"}
	typeClass = Type{MIME: "application/x-java-applet", Category: Executable, Label: "Class"}
	typeDEX   = Type{MIME: "application/vnd.android.dex", Category: Executable, Label: "DEX"}
	typeWASM  = Type{MIME: "application/wasm", Category: Executable, Label: "WASM"}
	// Windows Installer databases are OLE files; LOKI calls them OLE.
	typeMSI = Type{MIME: "application/x-ms-installer", Category: Executable, Label: "OLE"}
	typeMSP = Type{MIME: "application/x-ms-patch", Category: Executable, Label: "OLE"}
	typeMST = Type{MIME: "application/x-ms-transform", Category: Executable, Label: "OLE"}
	typeJAR = Type{MIME: "application/java-archive", Category: Executable, Label: "JAR", Container: "zip"}
	typeAPK = Type{MIME: "application/vnd.android.package-archive", Category: Executable, Label: "APK", Container: "zip"}
	// MSIX/APPX packages install with a double-click (App Installer).
	typeMSIX = Type{MIME: "application/msix", Category: Executable, Label: "MSIX", Container: "zip"}
	typeLNK  = Type{MIME: "application/x-ms-shortcut", Category: Shortcut, Label: "LNK"}

	// Scripts recognised by content.
	typeHTA   = Type{MIME: "application/hta", Category: Script, Label: "HTA"}
	typePHP   = Type{MIME: "text/x-php", Category: Script, Label: "PHP"}
	typeBatch = Type{MIME: "text/x-msdos-batch", Category: Script, Label: "BATCH"}
	typeReg   = Type{MIME: "text/x-ms-regedit", Category: Script, Label: "Windows Registry File"}
	// LOKI calls every file starting with "<%" JSP; ASP pages start the same.
	typeJSP = Type{MIME: "text/x-server-page", Category: Script, Label: "JSP"}

	// Documents.
	typeOLE = Type{MIME: "application/x-ole-storage", Category: Document, Label: "OLE"}
	typeDoc = Type{MIME: "application/msword", Category: Document, Label: "OLE"}
	typeXls = Type{MIME: "application/vnd.ms-excel", Category: Document, Label: "OLE"}
	typePpt = Type{MIME: "application/vnd.ms-powerpoint", Category: Document, Label: "OLE"}
	typeMsg = Type{MIME: "application/vnd.ms-outlook", Category: Document, Label: "OLE"}
	typePub = Type{MIME: "application/vnd.ms-publisher", Category: Document, Label: "OLE"}

	// Archives and disk images.
	typeZip  = Type{MIME: "application/zip", Category: Archive, Label: "ZIP", Container: "zip"}
	typeTar  = Type{MIME: "application/x-tar", Category: Archive, Label: "TAR", Container: "tar"}
	typeISO  = Type{MIME: "application/x-iso9660-image", Category: Archive, Label: "ISO", Container: "iso"}
	typeVHD  = Type{MIME: "application/x-vhd", Category: Archive, Label: "VHD", Container: "vhd"}
	typeVHDX = Type{MIME: "application/x-vhdx", Category: Archive, Label: "VHDX", Container: "vhdx"}
	typeDMG  = Type{MIME: "application/x-apple-diskimage", Category: Archive, Label: "DMG", Container: "dmg"}
)

// magic is a signature at a fixed offset of the header.
type magic struct {
	off int
	sig string
	t   Type
}

// magics are checked after executables, scripts and the structured
// containers, before falling back to mimetype. They pin the container name
// and LOKI label of every archive the walker must open or refuse, and add
// LOKI types mimetype does not know.
var magics = []magic{
	{0, "7z\xbc\xaf\x27\x1c", Type{MIME: "application/x-7z-compressed", Category: Archive, Label: "7Zip", Container: "7z"}},
	{0, "Rar!\x1a\x07", Type{MIME: "application/vnd.rar", Category: Archive, Label: "RAR", Container: "rar"}},
	{0, "MSCF\x00\x00\x00\x00", Type{MIME: "application/vnd.ms-cab-compressed", Category: Archive, Label: "CAB", Container: "cab"}},
	{0, "\x1f\x8b\x08", Type{MIME: "application/gzip", Category: Archive, Label: "GZIP", Container: "gzip"}},
	{0, "\xfd7zXZ\x00", Type{MIME: "application/x-xz", Category: Archive, Label: "XZ", Container: "xz"}},
	{0, "\x28\xb5\x2f\xfd", Type{MIME: "application/zstd", Category: Archive, Label: "ZST", Container: "zstd"}},
	{0, "LZIP", Type{MIME: "application/lzip", Category: Archive, Label: "LZ", Container: "lzip"}},
	{0, "\x60\xea", Type{MIME: "application/x-arj", Category: Archive, Label: "ARJ", Container: "arj"}},
	{0, "\x1f\x9d", Type{MIME: "application/x-compress", Category: Archive, Label: "TARZ", Container: "compress"}},
	{0, "\x1f\xa0", Type{MIME: "application/x-compress", Category: Archive, Label: "TARZ", Container: "compress"}},
	{0, "KDMV", Type{MIME: "application/x-vmdk", Category: Archive, Label: "VMDK", Container: "vmdk"}},
	{0, "vhdxfile", typeVHDX},
	{0, "conectix", typeVHD},
	{0, "MDMP", Type{MIME: "application/x-dmp", Category: Unknown, Label: "MDMP"}},
	{0, "regf", Type{MIME: "application/x-ms-registry-hive", Category: Unknown, Label: "Registry Hive"}},
	{0, "ElfFile\x00", Type{MIME: "application/x-ms-evtx", Category: Unknown, Label: "EVTX"}},
}

// swf returns the Flash type when h starts with an SWF header. The version
// byte must not look like text, or "CWS report" would be Flash.
func swf(h []byte) (Type, bool) {
	if len(h) < 8 || h[1] != 'W' || h[2] != 'S' {
		return Type{}, false
	}
	if v := h[3]; v == 0 || v >= 0x30 || v == ' ' || v == '\t' || v == '\n' || v == '\r' {
		return Type{}, false
	}
	t := Type{MIME: "application/x-shockwave-flash", Category: Unknown}
	switch h[0] {
	case 'C':
		t.Label = "CWS"
	case 'Z':
		t.Label = "ZWS"
	case 'F':
		t.Label = "FWS (Flash)"
	default:
		return Type{}, false
	}
	return t, true
}
