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
