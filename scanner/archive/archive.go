package archive

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// Kind says what sort of entry a member is.
type Kind int

const (
	File    Kind = iota // a regular file, with content
	Dir                 // a directory entry, no content
	Link                // a symbolic or hard link
	Special             // a device, FIFO or other special entry
)

func (k Kind) String() string {
	switch k {
	case File:
		return "file"
	case Dir:
		return "directory"
	case Link:
		return "link"
	case Special:
		return "special file"
	}
	return "unknown"
}

// Member describes one entry of an archive.
type Member struct {
	// Name is the name as stored in the archive: untrusted text.
	Name string
	Kind Kind
	// Size is the declared uncompressed size, or -1 when unknown. It is a
	// claim by the archive; callers count the bytes they really read.
	Size int64
	// Encrypted is set for members whose content cannot be read without a
	// password. Their reader is nil.
	Encrypted bool
	// Target is the link target for Link members.
	Target string
}

// Sentinel errors callers branch on.
var (
	// ErrUnsupported means the format is recognised but cannot be opened.
	ErrUnsupported = errors.New("archive format not supported")
	// ErrCorrupt means the archive could not be read to the end.
	ErrCorrupt = errors.New("unreadable archive")

	// ErrMemberLimit means the archive declares more members than
	// Limits.Members; it is refused before its index is read.
	ErrMemberLimit = errors.New("too many archive members")
	// ErrDirectoryLimit means a zip's central directory is larger than
	// ZipDirMax; it is refused before the directory is read.
	ErrDirectoryLimit = errors.New("zip directory too large")
	// ErrDictionaryLimit means an xz block asks for a dictionary larger
	// than XZDictMax; it is refused before the dictionary is allocated.
	ErrDictionaryLimit = errors.New("xz dictionary too large")

	// ErrHiddenData means a zip holds bytes its central directory does
	// not account for, where a streaming extractor could find a member
	// the scanner would never see.
	ErrHiddenData = errors.New("zip holds data its directory does not list")
	// ErrOverlap means two zip members share bytes (the overlapping zip
	// bomb), or a member runs into the directory.
	ErrOverlap = errors.New("zip members overlap")
	// ErrHeaderMismatch means a member's local header and its directory
	// entry disagree on what a streaming extractor goes by.
	ErrHeaderMismatch = errors.New("zip local header disagrees with its directory")
)

// Limits bound what opening an archive may cost before its members are
// walked. The zero value uses the defaults.
type Limits struct {
	// Members is the most members an archive may declare (default 10,000).
	Members int
}

// DefaultMembers is Limits.Members when it is zero.
const DefaultMembers = 10000

func (l Limits) members() int {
	if l.Members <= 0 {
		return DefaultMembers
	}
	return l.Members
}

// WalkFunc is called for every member in archive order. r is nil for
// members without readable content (directories, links, encrypted
// members); otherwise it is valid only until WalkFunc returns. Returning an
// error stops the walk and Walk returns that error unchanged.
type WalkFunc func(m Member, r io.Reader) error

// Walk calls fn for each member of the archive held in f, whose format is
// one of the container names of package filetype ("zip", "tar", "gzip",
// "bzip2", "xz"). name is the archive's own name, used to name the single
// member of a compressed stream.
func Walk(ctx context.Context, format string, f *os.File, size int64, name string, lim Limits, fn WalkFunc) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind archive: %w", err)
	}
	return WalkAt(ctx, format, f, size, name, lim, fn)
}

// WalkAt is Walk over the first size bytes of r, which may be a spool
// file or an archive held in memory (a bytes.Reader).
func WalkAt(ctx context.Context, format string, r io.ReaderAt, size int64, name string, lim Limits, fn WalkFunc) error {
	switch format {
	case "zip":
		return walkZip(ctx, r, size, lim, fn)
	case "tar":
		return walkTar(ctx, sequential(r, size), fn)
	case "gzip", "bzip2", "xz":
		return walkStream(ctx, format, sequential(r, size), name, fn)
	}
	return fmt.Errorf("%w: %s", ErrUnsupported, format)
}

// sequential reads r from its start. Bytes in memory need no buffer; a
// file is read in large blocks rather than by the decoders' small reads.
func sequential(r io.ReaderAt, size int64) io.Reader {
	sr := io.NewSectionReader(r, 0, size)
	if _, ok := r.(*bytes.Reader); ok {
		return sr
	}
	return bufio.NewReaderSize(sr, 64<<10)
}

// corrupt wraps a decoder error as ErrCorrupt, keeping its text for the
// log. A refusal, which says why more precisely, is kept as it is.
func corrupt(err error) error {
	if err == nil || errors.Is(err, ErrCorrupt) || refusal(err) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrCorrupt, err)
}

// refusal reports whether err is one of the reasons to refuse an archive
// other than its being unreadable.
func refusal(err error) bool {
	for _, r := range []error{ErrUnsupported, ErrMemberLimit, ErrDirectoryLimit, ErrDictionaryLimit, ErrHiddenData, ErrOverlap, ErrHeaderMismatch} {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// UnsafeName reports why an archive member name would be dangerous for an
// extracting tool on a plant machine (zip-slip and friends), or "" when it
// is safe. The station never extracts by name itself; this is for policy.
func UnsafeName(name string) string {
	n := strings.ReplaceAll(name, `\`, "/")
	switch {
	case name == "":
		return "empty name"
	case strings.ContainsRune(name, 0):
		return "NUL in name"
	case strings.HasPrefix(n, "/"):
		return "absolute path"
	case len(n) >= 2 && n[1] == ':':
		return "drive letter"
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "parent directory reference"
		}
	}
	if path.Clean("/"+n) == "/" && strings.Trim(n, "/.") == "" {
		return "name resolves to the root"
	}
	return ""
}

// StreamName gives the name of the single member of a compressed stream
// from the archive's own name: "a.tar.gz" holds "a.tar", "b.tgz" holds
// "b.tar".
func StreamName(archiveName, format string) string {
	base := path.Base(strings.ReplaceAll(archiveName, `\`, "/"))
	lower := strings.ToLower(base)
	for _, s := range []struct{ ext, repl string }{
		{".tgz", ".tar"}, {".tbz2", ".tar"}, {".tbz", ".tar"}, {".txz", ".tar"},
		{".gz", ""}, {".bz2", ""}, {".xz", ""},
	} {
		if strings.HasSuffix(lower, s.ext) && len(base) > len(s.ext) {
			return base[:len(base)-len(s.ext)] + s.repl
		}
	}
	return base + ".uncompressed"
}

func checkCtx(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return nil
}

// zipEnd is the signature of a zip's end-of-central-directory record.
var zipEnd = []byte("PK\x05\x06")

// HasZipDirectory reports whether the end of r holds a zip's directory
// record: a zip appended to a file of another type (an image, a PDF),
// which extractors open from its end whatever comes first.
func HasZipDirectory(r io.ReaderAt, size int64) bool {
	n := min(size, 22+0xffff) // the record plus the longest comment
	if n < 22 {
		return false
	}
	tail := make([]byte, n)
	if _, err := r.ReadAt(tail, size-n); err != nil && err != io.EOF {
		return false
	}
	return bytes.Contains(tail, zipEnd)
}
