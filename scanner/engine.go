package scanner

import (
	"context"
	"os"

	"github.com/sluice-ot/sluice/scanner/filetype"
)

// Object is one file, or one archive member, after it was read once into
// the station's spool. Every engine inspects the spool copy only, never the
// drive, so what was scanned is exactly what may be copied.
type Object struct {
	// Path is the path shown in reports: relative to the scan root, and for
	// archive members the chain "outer.zip/inner.tar/member".
	Path string
	// Name is the base name the object had on the drive or in the archive.
	// It is untrusted text and never used as a filesystem path.
	Name string
	// Ext is the lower-case extension of Name without the dot ("pdf").
	Ext string
	// File is the spool copy, open read-only and positioned at offset 0.
	// Engines that read it must use ReadAt or seek back themselves. It is
	// nil for an object held only in memory (see Data), except for the
	// engines that are not DataEngines: they always get a File.
	File *os.File
	// Data, when not nil, holds the object's exact bytes, read once into
	// station memory: small files and archive members are kept there
	// rather than in spool files. It is valid only during Scan and must
	// not be changed.
	Data []byte
	// SpoolPath is the spool copy's path, for engines that open by name.
	SpoolPath string
	Size      int64
	Sums      Sums
	// Type is the true type detected from content.
	Type filetype.Type
	// Parent and Source are set for archive members: the display path of
	// the containing archive and its format ("zip", "tar", ...).
	Parent string
	Source string
	// Depth is 0 for files on the drive, 1 for members of an archive on the
	// drive, and so on.
	Depth int
}

// Sums holds the digests computed while the object was spooled. SHA256 is
// always set; MD5 and SHA1 only when a loaded list or rule needs them.
type Sums struct {
	SHA256 []byte
	SHA1   []byte
	MD5    []byte
}

// Engine inspects spooled objects. Implementations must be safe for
// concurrent use; an engine that needs per-worker state (a yara.Scanner)
// keeps a pool of it. An error means the object could not be fully
// inspected and the caller blocks it (fail closed).
type Engine interface {
	Name() string
	Scan(ctx context.Context, obj *Object) ([]Finding, error)
}

// A DataEngine inspects objects held in memory: when Object.Data is set
// it reads those bytes and needs no File. The scanner makes a file in
// memory holding the same bytes for any other engine.
type DataEngine interface {
	Engine
	ScansData() bool
}

// scansData reports whether e reads Object.Data.
func scansData(e Engine) bool {
	d, ok := e.(DataEngine)
	return ok && d.ScansData()
}
