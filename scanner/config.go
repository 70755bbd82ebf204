package scanner

import (
	"runtime"

	"github.com/sluice-ot/sluice/scanner/filetype"
	"github.com/sluice-ot/sluice/scanner/hashdb"
)

// Limits bound what one scan will walk and unpack. Hitting one is never
// silent: the file or directory concerned is blocked naming the limit.
type Limits struct {
	MaxDepth   int // directory nesting below a root
	MaxFiles   int // entries (files, directories, links) walked in all
	MaxPathLen int // bytes in a path relative to its root

	ArchiveDepth   int   // nested archives opened inside one file
	ArchiveMembers int   // members, at all depths, inside one file
	ArchiveBytes   int64 // bytes expanded, at all depths, inside one file
	ArchiveRatio   int64 // expanded bytes per byte of one archive
	// RatioFloor is the expanded size below which the ratio is not
	// enforced, so that a tiny, highly compressible file (a few KiB of
	// blanks) is not taken for a bomb.
	RatioFloor int64
}

// DefaultLimits are the limits used when a Config leaves them zero.
func DefaultLimits() Limits {
	return Limits{
		MaxDepth:       32,
		MaxFiles:       100_000,
		MaxPathLen:     1024,
		ArchiveDepth:   5,
		ArchiveMembers: 10_000,
		ArchiveBytes:   4 << 30,
		ArchiveRatio:   100,
		RatioFloor:     1 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = d.MaxFiles
	}
	if l.MaxPathLen <= 0 {
		l.MaxPathLen = d.MaxPathLen
	}
	if l.ArchiveDepth <= 0 {
		l.ArchiveDepth = d.ArchiveDepth
	}
	if l.ArchiveMembers <= 0 {
		l.ArchiveMembers = d.ArchiveMembers
	}
	if l.ArchiveBytes <= 0 {
		l.ArchiveBytes = d.ArchiveBytes
	}
	if l.ArchiveRatio <= 0 {
		l.ArchiveRatio = d.ArchiveRatio
	}
	if l.RatioFloor <= 0 {
		l.RatioFloor = d.RatioFloor
	}
	return l
}

// Config is everything a Scanner needs. Zero values get defaults.
type Config struct {
	Engines    []Engine
	Blocklists []*hashdb.List
	// Allowlists mark files known-good: engines and archive inspection
	// are skipped for them, but the type policy still applies.
	Allowlists []*hashdb.List
	Policy     filetype.Policy
	Limits     Limits

	// Workers inspect spooled files; default: the number of CPUs.
	Workers int
	// Readers copy files from the source into the spool; default 1, which
	// suits a USB stick best (it reads fastest sequentially).
	Readers int
	// SpoolDir holds the spool copies, in a private directory per scan
	// that is removed at the end. It must be on the station's own disk.
	SpoolDir string
	// SpoolBudget bounds the bytes of spooled files waiting for, or
	// under, inspection, in spool files or in memory (a file held in
	// memory counts twice: its buffer and the handler's copy); default
	// 256 MiB. A larger file waits until it can have the whole budget.
	SpoolBudget int64
	// NeedMD5 and NeedSHA1 ask for these digests even when no hash list
	// needs them (the YARA md5 external variable, a report).
	NeedMD5, NeedSHA1 bool
	// MaxFindings caps the findings kept per file; the verdict still
	// counts them all. Default 64.
	MaxFindings int
}

func (c Config) withDefaults() Config {
	c.Limits = c.Limits.withDefaults()
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Readers <= 0 {
		c.Readers = 1
	}
	if c.SpoolBudget <= 0 {
		c.SpoolBudget = 256 << 20
	}
	if c.MaxFindings <= 0 {
		c.MaxFindings = 64
	}
	for _, l := range append(append([]*hashdb.List(nil), c.Blocklists...), c.Allowlists...) {
		md5, sha1 := l.Needs()
		c.NeedMD5 = c.NeedMD5 || md5
		c.NeedSHA1 = c.NeedSHA1 || sha1
	}
	return c
}
