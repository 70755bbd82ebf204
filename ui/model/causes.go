package model

import "strings"

// Cause codes come from the scanner's Result.Cause: "verdict:engine/rule",
// as "blocked:archive/encrypted" or "infected:yara/Sluice_EICAR_Test_File",
// or a bare verdict when no engine named the reason. The operator sees
// words for the code, never the scanner's own reason text, which names
// paths, rules and engine messages meant for the log.

// causeWords maps "engine/rule" to the operator's words. Engines: "type"
// (the file-type policy; "policy" is accepted too), "archive", "walk",
// "read", "scanner", "hashdb", "yara", "clamav".
var causeWords = map[string]Text{
	"type/disguised-executable":   T("cause.hidden_program"),
	"type/executable-in-document": T("cause.hidden_program"),
	"type/disguised-script":       T("cause.hidden_script"),
	"type/script-in-document":     T("cause.hidden_script"),
	"type/disguised-shortcut":     T("cause.hidden_shortcut"),
	"type/shortcut-in-document":   T("cause.hidden_shortcut"),
	"type/type-not-allowed":       T("cause.type_not_allowed"),
	"type/type-denied":            T("cause.type_not_allowed"),
	"type/denied-extension":       T("cause.program_file"),
	"type/reserved-name":          T("cause.autorun"),
	"type/too-large":              T("cause.too_large"),
	"type/unreadable":             T("cause.unreadable"),

	"archive/encrypted":              T("cause.password"),
	"archive/link-or-special-member": T("cause.link"),
	"archive/unsafe-member-name":     T("cause.unsafe_name"),
	"archive/depth-limit":            T("cause.archive_limit"),
	"archive/member-limit":           T("cause.archive_limit"),
	"archive/ratio-limit":            T("cause.archive_limit"),
	"archive/size-limit":             T("cause.archive_limit"),
	"archive/unreadable-archive":     T("cause.archive_damaged"),
	"archive/unsupported-format":     T("cause.archive_unsupported"),

	"walk/symlink":                 T("cause.link"),
	"walk/device":                  T("cause.link"),
	"walk/fifo":                    T("cause.link"),
	"walk/socket":                  T("cause.link"),
	"walk/other":                   T("cause.link"),
	"walk/file-count-limit":        T("cause.too_many_files"),
	"walk/path-length-limit":       T("cause.name_too_long"),
	"walk/depth-limit":             T("cause.too_deep"),
	"walk/unreadable":              T("cause.unreadable"),
	"walk/unreadable-directory":    T("cause.unreadable"),
	"read/unreadable":              T("cause.unreadable"),
	"scanner/cancelled":            T("cause.stopped"),
	"scanner/incomplete":           T("cause.incomplete"),
	"yara/Sluice_Autorun_Inf":      T("cause.autorun"),
	"yara/Sluice_EICAR_Test_File":  T("cause.test_virus"),
	"yara/Sluice_PDF_JavaScript":   T("cause.script_in_document"),
	"yara/Sluice_PDF_Launch":       T("cause.starts_program"),
	"yara/Sluice_PDF_AutoAction":   T("cause.acts_when_opened"),
	"yara/Sluice_PDF_EmbeddedFile": T("cause.embedded_file"),
}

// yaraFamilies gives words to families of the station's built-in rules,
// by the start of their names.
var yaraFamilies = []struct {
	prefix string
	words  Text
}{
	{"Sluice_Office_", T("cause.macro")},
	{"Sluice_Excel_", T("cause.macro")},
	{"Sluice_ODF_Macro", T("cause.macro")},
	{"Sluice_Script_", T("cause.hidden_script")},
}

// CauseWords returns the operator's words for a cause code. Whatever it
// does not know falls back on the verdict's words, and those on "held
// back": an unknown code never reaches the screen.
func CauseWords(cause string) Text {
	verdict, rest, _ := strings.Cut(cause, ":")
	engine, rule, _ := strings.Cut(rest, "/")
	if engine == "policy" {
		engine = "type"
	}
	if w, ok := causeWords[engine+"/"+rule]; ok {
		return w
	}
	if rule == "incomplete" {
		// An engine (YARA, ClamAV) that failed or timed out on the file.
		return T("cause.incomplete")
	}
	if engine == "yara" {
		for _, f := range yaraFamilies {
			if strings.HasPrefix(rule, f.prefix) {
				return f.words
			}
		}
	}
	switch verdict {
	case "infected":
		if engine == "hashdb" {
			return T("cause.known_malware")
		}
		return T("cause.threat")
	case "blocked":
		if engine == "yara" || engine == "clamav" {
			return T("cause.security_rule")
		}
		return T("cause.not_allowed")
	case "error":
		return T("cause.unreadable")
	}
	return T("cause.held_back")
}

// causeOf is the cause code of a file. Files recorded before the station
// kept causes have none; their verdict still picks words.
func causeOf(cause, verdict string) string {
	if cause != "" {
		return cause
	}
	return verdict
}
