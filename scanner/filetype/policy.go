package filetype

import (
	"fmt"
	"slices"
	"strings"
)

// Rule ids of a Violation. They are stable: reports, audit lines and the
// SIEM key on them.
const (
	RuleReservedName         = "reserved-name"
	RuleTooLarge             = "too-large"
	RuleDisguisedExecutable  = "disguised-executable"
	RuleDisguisedScript      = "disguised-script"
	RuleDisguisedShortcut    = "disguised-shortcut"
	RuleExecutableInDocument = "executable-in-document"
	RuleScriptInDocument     = "script-in-document"
	RuleShortcutInDocument   = "shortcut-in-document"
	RuleTypeNotAllowed       = "type-not-allowed"
	RuleTypeDenied           = "type-denied"
	RuleDeniedExtension      = "denied-extension"
)

// Policy is the file-type policy. The zero value allows nothing; start from
// DefaultPolicy. The fields are plain so that a config file can fill them.
type Policy struct {
	// Allow lists the categories let through. Executable, script and
	// shortcut content is refused under a foreign extension whatever Allow
	// says.
	Allow []Category `toml:"allow" json:"allow"`
	// AllowMIME lets exact MIME types through whatever their category;
	// DenyMIME refuses them, inside documents too. Parameters and case are
	// ignored ("text/plain; charset=utf-8" is "text/plain").
	AllowMIME []string `toml:"allow_mime" json:"allow_mime"`
	DenyMIME  []string `toml:"deny_mime" json:"deny_mime"`
	// DenyExt lists extensions refused whatever the content, with or
	// without the dot, any case. Letting executables through takes both an
	// AllowMIME entry and removing their extensions from here.
	DenyExt []string `toml:"deny_ext" json:"deny_ext"`
	// MaxSize is the largest file let through, in bytes; 0 means no limit.
	MaxSize int64 `toml:"max_size" json:"max_size"`
}

// DefaultPolicy allows documents, images, text and archives (whose members
// are checked in turn), and denies every extension IsExecutableExt reports.
func DefaultPolicy() Policy {
	return Policy{
		Allow:   []Category{Document, Image, Text, Archive},
		DenyExt: ExecutableExts(),
	}
}

// Violation is one reason to block a file.
type Violation struct {
	// Rule is a short stable id such as "disguised-executable".
	Rule string `json:"rule"`
	// Detail is for the operator's report and the admin's log, for
	// example "executable (EXE) disguised as .pdf".
	Detail string `json:"detail"`
}

// reservedNames are file names removable media must never carry: Windows
// AutoRun and folder customisation (desktop.ini can point a folder at a
// CLSID, folder.htt is script run by the old Web view), and the files the
// freedesktop autostart specification runs or opens after a mount.
var reservedNames = []string{"autorun.inf", "desktop.ini", "folder.htt",
	".autorun", "autorun", "autorun.sh", ".autoopen", "autoopen"}

// Check returns the violations of a file called name, of size bytes, whose
// content is of type t. An empty result lets the file through.
//
// inDocument is true for an internal part of an OOXML or ODF document: the
// category allowlist, the size limit and the reserved names then do not
// apply (fonts, .rels and binary parts must not block the document), but
// executable, script and shortcut content, denied MIME types and denied
// extensions still do.
func (p Policy) Check(name string, size int64, t Type, inDocument bool) []Violation {
	var v []Violation
	add := func(rule, format string, args ...any) {
		v = append(v, Violation{Rule: rule, Detail: fmt.Sprintf(format, args...)})
	}
	exts := extsOf(name)
	ext := exts[0]

	if !inDocument {
		if base := baseName(name); slices.Contains(reservedNames, base) {
			add(RuleReservedName, "reserved name %s", base)
		}
		if p.MaxSize > 0 && size > p.MaxSize {
			add(RuleTooLarge, "size %d bytes exceeds the limit of %d bytes", size, p.MaxSize)
		}
	}

	if active := activeKind(t.Category); active != "" {
		what := fmt.Sprintf("%s (%s)", active, t.Label)
		switch {
		case ext != "" && !slices.ContainsFunc(exts, IsExecutableExt):
			add("disguised-"+active, "%s disguised as .%s", what, ext)
		case inDocument:
			add(active+"-in-document", "%s inside a document", what)
		}
	}

	mime := stripParams(t.MIME)
	switch {
	case containsMIME(p.DenyMIME, mime):
		add(RuleTypeDenied, "type %s is denied", mime)
	case !inDocument && !slices.Contains(p.Allow, t.Category) && !containsMIME(p.AllowMIME, mime):
		add(RuleTypeNotAllowed, "type %s (%s) is not allowed", t.Category, mime)
	}

	for _, e := range exts {
		if e != "" && (p.deniesExt(e) || isCLSIDExt(e)) {
			add(RuleDeniedExtension, "extension .%s is refused", e)
			break
		}
	}
	return v
}

// activeKind names the categories whose content runs when opened.
func activeKind(c Category) string {
	switch c {
	case Executable:
		return "executable"
	case Script:
		return "script"
	case Shortcut:
		return "shortcut"
	}
	return ""
}

func (p Policy) deniesExt(ext string) bool {
	for _, d := range p.DenyExt {
		if strings.EqualFold(strings.TrimPrefix(d, "."), ext) {
			return true
		}
	}
	return false
}

// extsOf returns the extension of name, then, when name holds a colon, the
// extension of the part before it: on NTFS "a.exe:x.txt" is a stream of
// a.exe and "a.exe::$DATA" is a.exe itself.
func extsOf(name string) []string {
	exts := []string{Ext(name)}
	base := name
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.IndexByte(base, ':'); i >= 0 {
		exts = append(exts, Ext(base[:i]))
	}
	return exts
}

// baseName is the lower-case base name with the trailing dots and spaces
// Windows ignores removed.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return strings.ToLower(strings.TrimRight(name, ". "))
}

func containsMIME(list []string, s string) bool {
	return slices.ContainsFunc(list, func(e string) bool { return strings.EqualFold(stripParams(e), s) })
}
