package bundle

import (
	"archive/tar"
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// sanitize turns a relative file path into a member path: slashes for
// separators, and every byte but ASCII letters, digits and "._+-"
// replaced by "_", so that names survive ustar, every filesystem and
// every terminal. Components "." and ".." cannot come from a walk.
func sanitize(rel string) string {
	rel = strings.ReplaceAll(rel, string(os.PathSeparator), "/")
	var sb strings.Builder
	for i := 0; i < len(rel); i++ {
		switch c := rel[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("._+-/", c) >= 0:
			sb.WriteByte(c)
		default:
			sb.WriteByte('_')
		}
	}
	return sb.String()
}

// writeBundle writes the tar atomically and reads it back with the same
// code Open uses before renaming it into place. It returns its size and
// SHA-256.
func writeBundle(out string, m *Manifest, inputs []input, lim Limits) (size int64, sum string, err error) {
	manifest, err := m.encode()
	if err != nil {
		return 0, "", err
	}
	if int64(len(manifest)) > lim.MaxManifest {
		return 0, "", fmt.Errorf("%w: bundle.json would have %d bytes", ErrTooLarge, len(manifest))
	}
	err = writeAtomic(out, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		tw := tar.NewWriter(bw)
		if err := writeMember(tw, ManifestName, manifest, m.Created); err != nil {
			return err
		}
		for _, in := range inputs {
			if err := writeMember(tw, in.m.Path, in.data, m.Created); err != nil {
				return err
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		f := w.(*os.File)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		d := newDigests(f)
		if _, err := readTar(d, lim, discard); err != nil {
			return fmt.Errorf("the bundle written does not read back: %w", err)
		}
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		size, sum = fi.Size(), d.sha256()
		return nil
	})
	return size, sum, err
}

// writeMember writes one regular file with fixed metadata: mode 0644,
// owner 0:0 without names, the bundle's creation time, plain ustar.
func writeMember(tw *tar.Writer, name string, data []byte, mtime time.Time) error {
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Size:     int64(len(data)),
		Mode:     0o644,
		ModTime:  mtime,
		Format:   tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	_, err := tw.Write(data)
	return err
}
