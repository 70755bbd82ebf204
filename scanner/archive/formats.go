package archive

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/bzip2"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/sluice-ot/sluice/scanner/filetype"
)

// zipMethodBzip2 is the APPNOTE compression method for bzip2; archive/zip
// does not register it by default.
const zipMethodBzip2 = 12

func walkZip(ctx context.Context, f io.ReaderAt, size int64, lim Limits, fn WalkFunc) error {
	// The layout is checked first: it bounds what archive/zip will read
	// into memory, and refuses what a streaming extractor would see
	// differently.
	layout, err := checkZipLayout(f, size, lim.members())
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(f, size)
	// An insecure member name still leaves a usable reader; the caller
	// judges names itself through UnsafeName.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return corrupt(err)
	}
	if err := layout.sameAs(zr); err != nil {
		return err
	}
	zr.RegisterDecompressor(zip.Deflate, newExactInflater)
	zr.RegisterDecompressor(zipMethodBzip2, func(r io.Reader) io.ReadCloser {
		return io.NopCloser(bzip2.NewReader(r))
	})
	for _, zf := range zr.File {
		if err := checkCtx(ctx); err != nil {
			return err
		}
		m := Member{Name: zf.Name, Size: int64(zf.UncompressedSize64), Kind: File}
		mode := zf.Mode()
		switch {
		case mode.IsDir() && strings.HasSuffix(zf.Name, "/") && zf.UncompressedSize64 == 0 && zf.CompressedSize64 == 0:
			m.Kind, m.Size = Dir, 0
		case mode.IsDir():
			// Marked a directory, yet named or sized like a file: an
			// extractor that goes by the name writes it out as one, so it
			// is read and inspected as one.
		case mode&os.ModeSymlink != 0:
			m.Kind = Link
		case !mode.IsRegular():
			m.Kind = Special
		}
		// Bit 0 is traditional PKWARE encryption; method 99 is WinZip AES,
		// which also sets bit 0, but check both in case a tool does not.
		if zf.Flags&0x1 != 0 || zf.Method == 99 {
			m.Encrypted = true
		}
		if m.Kind != File || m.Encrypted {
			if err := fn(m, nil); err != nil {
				return err
			}
			continue
		}
		if err := walkZipMember(zf, m, fn); err != nil {
			return err
		}
	}
	return nil
}

func walkZipMember(zf *zip.File, m Member, fn WalkFunc) error {
	rc, err := zf.Open()
	if err != nil {
		return corrupt(err)
	}
	defer rc.Close()
	return fn(m, &errTagger{r: rc, member: zf.Name})
}

// tarOverheadMax bounds what a tar may hold besides its members' data:
// headers, PAX records and long names, padding, and the data of members
// that are not read (special files). archive/tar reads all of it inside
// Next, where the walk's limits, which count members' bytes, never see
// it: a compressed stream of PAX headers would otherwise be decompressed
// without end. Real tars spend about 1 KiB on each member.
const tarOverheadMax = 64 << 20

func walkTar(ctx context.Context, r io.Reader, fn WalkFunc) error {
	in := &tarInput{ctx: ctx, r: r}
	tr := tar.NewReader(in)
	for {
		if err := checkCtx(ctx); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if cerr := checkCtx(ctx); cerr != nil {
				return cerr
			}
			return corrupt(err)
		}
		m := Member{Name: h.Name, Size: h.Size, Kind: File}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse: // the reader maps old TypeRegA to these
		case tar.TypeDir:
			m.Kind, m.Size = Dir, 0
		case tar.TypeSymlink, tar.TypeLink:
			m.Kind, m.Target = Link, h.Linkname
		case tar.TypeXGlobalHeader:
			continue
		default:
			m.Kind = Special
		}
		var r io.Reader
		if m.Kind == File {
			r = &errTagger{r: &tarData{tr: tr, in: in}}
		}
		if err := fn(m, r); err != nil {
			return err
		}
	}
}

// tarInput is what archive/tar reads from: it stops at cancellation, and
// once more than tarOverheadMax bytes were read that were not handed out
// as members' data.
type tarInput struct {
	ctx             context.Context
	r               io.Reader
	read, delivered int64
}

func (t *tarInput) Read(p []byte) (int, error) {
	if err := t.ctx.Err(); err != nil {
		return 0, err
	}
	if t.read-t.delivered > tarOverheadMax {
		return 0, fmt.Errorf("%w: tar holds more than %s outside its members' data", ErrCorrupt, sizeText(tarOverheadMax))
	}
	n, err := t.r.Read(p)
	t.read += int64(n)
	return n, err
}

// tarData reads a member's data, counting it as handed out.
type tarData struct {
	tr *tar.Reader
	in *tarInput
}

func (d *tarData) Read(p []byte) (int, error) {
	n, err := d.tr.Read(p)
	d.in.delivered += int64(n)
	return n, err
}

// walkStream walks a gzip, bzip2 or xz stream. A tar inside (.tar.gz,
// .tgz, …) is walked member by member straight from the decompressor, as
// one archive: the station never spools or scans the intermediate .tar,
// which no user sees. Anything else is the stream's one member.
func walkStream(ctx context.Context, format string, br io.Reader, archiveName string, fn WalkFunc) error {
	var r io.Reader
	name := StreamName(archiveName, format)
	switch format {
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return corrupt(err)
		}
		defer zr.Close()
		r = zr
	case "bzip2":
		r = bzip2.NewReader(br)
	case "xz":
		xr, err := newXZReader(br)
		if err != nil {
			return corrupt(err)
		}
		r = xr
	}
	dr := bufio.NewReaderSize(&errTagger{r: r}, 64<<10)
	hdr, err := dr.Peek(512)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return corrupt(err)
	}
	if filetype.IsTarHeader(hdr) {
		return walkTar(ctx, dr, fn)
	}
	return fn(Member{Name: name, Size: -1, Kind: File}, dr)
}

// sameAs checks that archive/zip read the directory as the layout check
// did, so that the members walked are the ones whose bytes were accounted
// for.
func (l *zipLayout) sameAs(zr *zip.Reader) error {
	if len(zr.File) != len(l.entries) {
		return corrupt(fmt.Errorf("zip: directory read as %d and %d members", len(zr.File), len(l.entries)))
	}
	for i, zf := range zr.File {
		e := &l.entries[i]
		off, err := zf.DataOffset()
		if err != nil || off != e.dataStart || zf.CompressedSize64 != e.compressed || zf.Flags != e.flags || zf.Method != e.method {
			return corrupt(fmt.Errorf("zip: member %q read two ways", zf.Name))
		}
	}
	return nil
}

// exactInflater inflates a zip member and then checks that the deflate
// stream used all of the member's compressed bytes. A stream that ends
// early leaves bytes inside the member that a streaming extractor, which
// finds the member's end by inflating, reads as whatever comes next.
type exactInflater struct {
	src    *bufio.Reader
	fr     io.ReadCloser
	closed bool
}

// Inflaters are pooled, as archive/zip's own are: each holds about 40 KiB.
var inflaters sync.Pool

func newExactInflater(r io.Reader) io.ReadCloser {
	if x, ok := inflaters.Get().(*exactInflater); ok {
		x.src.Reset(r)
		x.fr.(flate.Resetter).Reset(x.src, nil)
		x.closed = false
		return x
	}
	// bufio.Reader is an io.ByteReader, so flate reads no further than
	// the end of its stream.
	src := bufio.NewReader(r)
	return &exactInflater{src: src, fr: flate.NewReader(src)}
}

func (x *exactInflater) Read(p []byte) (int, error) {
	n, err := x.fr.Read(p)
	if err == io.EOF {
		if _, rerr := x.src.ReadByte(); rerr != io.EOF {
			return n, fmt.Errorf("%w: its deflate stream ends before its compressed size", ErrHiddenData)
		}
	}
	return n, err
}

func (x *exactInflater) Close() error {
	if x.closed {
		return nil // pooled already
	}
	x.closed = true
	err := x.fr.Close()
	x.src.Reset(nil)
	inflaters.Put(x)
	return err
}

// errTagger marks decoder errors as ErrCorrupt so that the caller can tell
// a broken archive from its own write or limit errors.
// A refusal found while reading names the member, when known.
type errTagger struct {
	r      io.Reader
	member string
}

func (t *errTagger) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	switch {
	case err == nil || err == io.EOF:
	case t.member != "" && refusal(err):
		err = fmt.Errorf("member %q: %w", t.member, err)
	default:
		err = corrupt(err)
	}
	return n, err
}
