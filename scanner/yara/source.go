package yara

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Source is the text of one rule file.
type Source struct {
	// Name is the path shown in rejects and logs.
	Name string
	// Path is the file's location on disk, used to resolve its include
	// statements. It is empty for sources that live in memory (embedded
	// rules, bundle members): those cannot use includes.
	Path string
	Data []byte
}

// IsRuleFile reports whether name has one of the extensions LoadPaths
// picks up when it walks a directory: ".yar" or ".yara", in any case.
func IsRuleFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yar", ".yara":
		return true
	}
	return false
}

// LoadPaths reads rule sources from files and directories. A file named
// explicitly is read whatever its extension; directories are walked
// recursively for ".yar" and ".yara" files, in lexical order, without
// following symbolic links, so the same tree always compiles the same way.
// A missing path is an error.
func LoadPaths(paths []string) ([]Source, error) {
	var srcs []Source
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			return nil, fmt.Errorf("load rules: %w", err)
		}
		root := p
		if fi.Mode()&fs.ModeSymlink != 0 {
			// An explicitly named link is the admin's choice: follow it
			// once, but never inside a walked tree.
			if root, err = filepath.EvalSymlinks(p); err != nil {
				return nil, fmt.Errorf("load rules: %w", err)
			}
			if fi, err = os.Stat(root); err != nil {
				return nil, fmt.Errorf("load rules: %w", err)
			}
		}
		if !fi.IsDir() {
			src, err := readSource(p, p)
			if err != nil {
				return nil, err
			}
			srcs = append(srcs, src)
			continue
		}
		var names []string
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			// WalkDir reports links as links and never descends into them.
			if d.Type().IsRegular() && IsRuleFile(d.Name()) {
				rel, err := filepath.Rel(root, path)
				if err != nil {
					return err
				}
				// Shown under the name the caller gave, link or not.
				names = append(names, filepath.Join(p, rel))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("load rules: %w", err)
		}
		sort.Strings(names)
		for _, name := range names {
			src, err := readSource(name, name)
			if err != nil {
				return nil, err
			}
			srcs = append(srcs, src)
		}
	}
	return srcs, nil
}

func readSource(name, path string) (Source, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Source{}, fmt.Errorf("load rules: %w", err)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return Source{Name: name, Path: path, Data: data}, nil
}
