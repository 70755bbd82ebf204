package filetype

import (
	"bytes"
	"path"
	"strings"
)

// detectScript recognises scripts whose content says what they are. It
// covers the unambiguous cases only; a .vbs or .ps1 is plain text to a
// content check and is caught by its extension instead.
func detectScript(h []byte) (Type, bool) {
	if hasPrefix(h, "#!") {
		return shebang(h), true
	}
	// mshta runs HTML with any junk before it, so the marker counts
	// anywhere in the header, not only at the start.
	if containsFold(h, "<hta:application") {
		return typeHTA, true
	}
	if t, ok := scriptStart(trimText(h)); ok {
		return t, true
	}
	// Regedit exports and many Windows scripts are UTF-16LE with a BOM.
	if u, ok := utf16Prefix(h); ok {
		if containsFold(u, "<hta:application") {
			return typeHTA, true
		}
		return scriptStart(trimText(u))
	}
	return Type{}, false
}

func scriptStart(t []byte) (Type, bool) {
	switch {
	case hasPrefixFold(t, "<?php"):
		return typePHP, true
	case hasPrefixFold(t, "@echo") && (len(t) == 5 || isSpace(t[5])):
		return typeBatch, true
	case hasPrefixFold(t, "windows registry editor version"), hasPrefix(t, "REGEDIT4"):
		return typeReg, true
	case hasPrefix(t, "<%"):
		return typeJSP, true
	}
	return Type{}, false
}

// shebang names the interpreter of a "#!" script. LOKI labels "#!/" as
// "UNIX SCRIPT" and any other "#!" as "Script"; the MIME follows the
// interpreter so that a policy can single one out.
func shebang(h []byte) Type {
	t := Type{MIME: "text/x-script", Category: Script, Label: "Script"}
	line := h[2:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	fields := strings.Fields(string(line))
	if len(fields) > 0 && strings.HasPrefix(fields[0], "/") {
		t.Label = "UNIX SCRIPT"
	}
	// "#!/usr/bin/env -S python3 -u" names python3.
	for i, f := range fields {
		name := path.Base(f)
		if i == 0 && name == "env" || strings.HasPrefix(f, "-") {
			continue
		}
		t.MIME = interpreterMIME(name)
		break
	}
	return t
}

func interpreterMIME(name string) string {
	name = strings.TrimRight(name, "0123456789.")
	switch name {
	case "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox":
		return "text/x-shellscript"
	case "python", "pypy":
		return "text/x-python"
	case "perl":
		return "text/x-perl"
	case "ruby":
		return "text/x-ruby"
	case "node", "nodejs", "deno", "bun":
		return "text/javascript"
	case "php":
		return "text/x-php"
	case "lua", "luajit":
		return "text/x-lua"
	case "tclsh", "wish", "tcl", "expect":
		return "text/x-tcl"
	}
	return "text/x-script"
}

// trimText drops a UTF-8 BOM and leading white space.
func trimText(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

// utf16Prefix returns the ASCII text of a UTF-16LE header that starts with
// a BOM, up to the first character outside ASCII.
func utf16Prefix(h []byte) ([]byte, bool) {
	if !hasPrefix(h, "\xff\xfe") {
		return nil, false
	}
	var u []byte
	for i := 2; i+1 < len(h) && h[i+1] == 0 && h[i] < 0x80; i += 2 {
		u = append(u, h[i])
	}
	return u, len(u) > 0
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'
}

// containsFold reports whether b contains the lower-case ASCII string p,
// ignoring case, without allocating.
func containsFold(b []byte, p string) bool {
	for i := 0; i+len(p) <= len(b); i++ {
		if lower(b[i]) == p[0] && hasPrefixFold(b[i:], p) {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
