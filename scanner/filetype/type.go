package filetype

// Type is a detected content type.
type Type struct {
	MIME     string   `json:"mime"`
	Category Category `json:"category"`
	// Label is the short upper-case name public YARA rules expect in the
	// "filetype" external variable (LOKI style: "EXE", "ZIP", "PDF", ...).
	// Where LOKI names a type, its exact spelling is kept, because rules
	// compare it with ==: "7Zip", "BZip2", "JPEG", "Class", "UNIX SCRIPT".
	Label string `json:"label"`
	// Container names the archive format the bytes are in, when they are in
	// one the station can open or must refuse: "zip" (also for OOXML, ODF,
	// JAR), "tar", "gzip", "bzip2", "xz", "7z", "rar", "cab", "iso". Other
	// archive and disk-image formats the station cannot open carry their own
	// short name ("zstd", "vhdx", "dmg", ...) so that the archive walker can
	// refuse them by name. Every Archive has a Container; an Executable may
	// have one too (JAR, APK, MSIX are zips). Empty for everything else.
	Container string `json:"container,omitempty"`
	// Document is true for containers that are documents (OOXML, ODF):
	// their members are scanned, but the category allowlist does not apply
	// to their internal parts.
	Document bool `json:"-"`
}

// Category groups types for policy decisions.
type Category string

const (
	Document   Category = "document"
	Image      Category = "image"
	Text       Category = "text"
	Archive    Category = "archive"
	Media      Category = "media"
	Executable Category = "executable"
	Script     Category = "script"
	Shortcut   Category = "shortcut"
	Unknown    Category = "unknown"
)
