package bundle

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// putFunc receives each listed member in archive order, with the offset
// of its bytes in the archive; r yields exactly m.Size bytes, and put
// must read them all or fail. The member's sha256 is checked after put
// returns, so put must not trust the bytes before readTar has returned.
type putFunc func(m *Member, off int64, r io.Reader) error

// readTar reads a bundle as hostile input. It returns the manifest once
// every member has been seen, listed and matched; on any error nothing
// it passed to put may be used. It reads r to its end, so that a hash
// of r covers every byte, and refuses anything but zeros after the
// archive's end.
func readTar(r io.Reader, lim Limits, put putFunc) (*Manifest, error) {
	lim = lim.withDefaults()
	cr := &countingReader{r: r}
	tr := tar.NewReader(cr)
	m, err := readManifest(tr, lim)
	if err != nil {
		return nil, err
	}
	listed := make(map[string]*Member, len(m.Contents))
	for i := range m.Contents {
		listed[m.Contents[i].Path] = &m.Contents[i]
	}
	seen := map[string]string{strings.ToLower(ManifestName): ManifestName}
	done := map[string]bool{}
	var total int64
	for n := 1; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, malformed(err)
		}
		if n >= lim.MaxMembers {
			return nil, fmt.Errorf("%w: more than %d members", ErrTooLarge, lim.MaxMembers)
		}
		name, dir, err := checkHeader(hdr)
		if err != nil {
			return nil, err
		}
		if dir {
			continue
		}
		key := strings.ToLower(name)
		if prev, ok := seen[key]; ok {
			return nil, fmt.Errorf("%w: %q (and %q)", ErrDuplicate, name, prev)
		}
		seen[key] = name
		if hdr.Size > lim.MaxMember {
			return nil, fmt.Errorf("%w: %q declares %d bytes, over the %d limit", ErrTooLarge, name, hdr.Size, lim.MaxMember)
		}
		if total += hdr.Size; total > lim.MaxTotal {
			return nil, fmt.Errorf("%w: members total over %d bytes", ErrTooLarge, lim.MaxTotal)
		}
		e := listed[name]
		if e == nil {
			return nil, fmt.Errorf("%w: %q", ErrUnlisted, name)
		}
		if hdr.Size != e.Size {
			return nil, fmt.Errorf("%w: %q has %d bytes, bundle.json says %d", ErrMismatch, name, hdr.Size, e.Size)
		}
		h := sha256.New()
		// tar.Reader reads no further than a header: the count is where
		// the member's bytes start.
		if err := put(e, cr.n, io.TeeReader(tr, h)); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, malformed(err)
			}
			return nil, fmt.Errorf("member %q: %w", name, err)
		}
		if sum := hex.EncodeToString(h.Sum(nil)); sum != e.SHA256 {
			return nil, fmt.Errorf("%w: %q has sha256 %s, bundle.json says %s", ErrMismatch, name, sum, e.SHA256)
		}
		done[name] = true
	}
	var missing []string
	for p := range listed {
		if !done[p] {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("%w: %q (%d in all)", ErrMissing, missing[0], len(missing))
	}
	if err := zerosToEnd(cr); err != nil {
		return nil, err
	}
	return m, nil
}

// readManifest reads the first member, which must be bundle.json.
func readManifest(tr *tar.Reader, lim Limits) (*Manifest, error) {
	hdr, err := tr.Next()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: empty archive", ErrNoManifest)
	}
	if err != nil {
		return nil, malformed(err)
	}
	name, dir, err := checkHeader(hdr)
	if err != nil {
		return nil, err
	}
	if dir || name != ManifestName {
		return nil, fmt.Errorf("%w: first member is %q", ErrNoManifest, name)
	}
	if hdr.Size > lim.MaxManifest {
		return nil, fmt.Errorf("%w: bundle.json declares %d bytes, over the %d limit", ErrTooLarge, hdr.Size, lim.MaxManifest)
	}
	data, err := io.ReadAll(tr)
	if err != nil {
		return nil, malformed(err)
	}
	return parseManifest(data)
}

// checkHeader accepts plain ustar files and directories with safe names.
// It returns the name without a directory's trailing slash.
func checkHeader(hdr *tar.Header) (name string, dir bool, err error) {
	name = hdr.Name
	switch hdr.Typeflag {
	case tar.TypeReg:
	case tar.TypeDir:
		dir = true
		name = strings.TrimSuffix(name, "/")
	case tar.TypeSymlink, tar.TypeLink:
		return "", false, fmt.Errorf("%w: %q links to %q", ErrLink, name, hdr.Linkname)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return "", false, fmt.Errorf("%w: %q is a device or FIFO", ErrSpecial, name)
	default:
		return "", false, fmt.Errorf("%w: %q has type %q", ErrSpecial, name, hdr.Typeflag)
	}
	if err := checkPath(name); err != nil {
		return "", false, err
	}
	// The format is plain ustar: PAX and GNU extensions could carry names,
	// sizes and attributes the checks here do not see.
	if hdr.Format != tar.FormatUSTAR || len(hdr.PAXRecords) > 0 {
		return "", false, fmt.Errorf("%w: %q is not a plain ustar header (%v)", ErrMalformed, name, hdr.Format)
	}
	return name, dir, nil
}

// zerosToEnd reads what follows the archive's end-of-archive blocks:
// only zero padding is allowed.
func zerosToEnd(r io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		for _, b := range buf[:n] {
			if b != 0 {
				return fmt.Errorf("%w: data after the end of the archive", ErrMalformed)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read bundle: %w", err)
		}
	}
}

func malformed(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: truncated", ErrMalformed)
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
