package scanner

import (
	"os"
	"path/filepath"
)

// unnamed is the name given to *os.File values of unnamed spool files.
const unnamed = "(unnamed spool file)"

func newNamedSpoolFile(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, "obj-")
	if err != nil {
		return nil, &spoolError{err}
	}
	return f, nil
}

// discardSpoolFile closes a spool file and removes its name, if it has one.
func discardSpoolFile(f *os.File) {
	name := f.Name()
	f.Close()
	if filepath.Base(name) != unnamed {
		os.Remove(name)
	}
}
