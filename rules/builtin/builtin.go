// Package builtin holds the station's default YARA rules, written for
// Sluice and embedded in the binary: the EICAR test file, Office and
// OpenDocument macros, active PDF content, autorun.inf and Windows script
// hidden in other files. README.md lists each rule, its action and its
// limits.
//
// The package does not import go-yara, so the rules are available without
// cgo (to the CLI that lists or exports them, for instance); scanner/yara
// compiles them. They read the "filename" external variable, which
// scanner/yara defines.
package builtin

import (
	"embed"
	"io/fs"
)

//go:embed *.yar
var files embed.FS

// File is one embedded rule file.
type File struct {
	// Name is the file's base name ("pdf.yar"). Callers that mix the
	// builtin rules with others show it as "builtin/pdf.yar".
	Name string
	Data []byte
}

// Files returns the embedded rule files in lexical order. The data is a
// fresh copy: callers may keep or change it.
func Files() []File {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic("builtin: " + err.Error()) // embedded at build time; cannot fail
	}
	var out []File
	for _, e := range entries {
		data, err := files.ReadFile(e.Name())
		if err != nil {
			panic("builtin: " + err.Error())
		}
		out = append(out, File{Name: e.Name(), Data: data})
	}
	return out
}

// FS returns the embedded rule files as a file system, for callers that
// copy or list them.
func FS() fs.FS { return files }
