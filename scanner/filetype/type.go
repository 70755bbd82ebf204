// Package filetype detects the true type of a file from its content and
// applies the station's file-type policy.
package filetype

// Type is a detected content type.
type Type struct {
	MIME     string   `json:"mime"`
	Category Category `json:"category"`
	// Label is the short upper-case name public YARA rules expect in the
	// "filetype" external variable (LOKI style: "EXE", "ZIP", "PDF", ...).
	Label string `json:"label"`
	// Container names the archive format the bytes are in, when they are in
	// one the station can open or must refuse: "zip" (also for OOXML, ODF,
	// JAR), "tar", "gzip", "bzip2", "xz", "7z", "rar", "cab", "iso". Empty
	// for everything else.
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
