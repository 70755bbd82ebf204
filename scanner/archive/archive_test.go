package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/scanner/archive"

	"github.com/sluice-ot/sluice/internal/testenv"
)

type seen struct {
	name      string
	kind      archive.Kind
	encrypted bool
	data      string
}

func walkBytes(t *testing.T, format string, data []byte, name string) ([]seen, error) {
	t.Helper()
	f := tempFile(t, data)
	var got []seen
	err := archive.Walk(context.Background(), format, f, int64(len(data)), name, archive.Limits{}, func(m archive.Member, r io.Reader) error {
		s := seen{name: m.Name, kind: m.Kind, encrypted: m.Encrypted}
		if r != nil {
			b, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			s.data = string(b)
		}
		got = append(got, s)
		return nil
	})
	return got, err
}

func tempFile(t *testing.T, data []byte) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "archive")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestWalkFormats(t *testing.T) {
	members := []corpus.Member{{Name: "a.txt", Data: []byte("alpha")}, {Name: "dir/b.txt", Data: []byte("beta")}}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("plain"))
	zw.Close()
	tests := []struct {
		format, name string
		data         []byte
		want         []seen
	}{
		{"zip", "x.zip", corpus.Zip(members...), []seen{{name: "a.txt", data: "alpha"}, {name: "dir/b.txt", data: "beta"}}},
		// A tar inside a compressed stream is walked as one archive.
		{"gzip", "x.tar.gz", corpus.TarGz(members...), []seen{{name: "a.txt", data: "alpha"}, {name: "dir/b.txt", data: "beta"}}},
		{"gzip", "notes.txt.gz", gz.Bytes(), []seen{{name: "notes.txt", data: "plain"}}},
		{"zip", "secret.zip", corpus.EncryptedZip("s.xlsx", 64), []seen{{name: "s.xlsx", encrypted: true}}},
		{"tar", "l.tar", corpus.TarWithSymlink("etc-link", "/etc/passwd"), []seen{{name: "etc-link", kind: archive.Link}}},
	}
	for _, tt := range tests {
		got, err := walkBytes(t, tt.format, tt.data, tt.name)
		if err != nil {
			t.Errorf("Walk(%s %s) error = %v", tt.format, tt.name, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("Walk(%s %s) = %d members %+v, want %d", tt.format, tt.name, len(got), got, len(tt.want))
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("Walk(%s %s) member %d = %+v, want %+v", tt.format, tt.name, i, got[i], tt.want[i])
			}
		}
	}
}

// The system's bzip2 and xz tools make the streams, so the decoders are
// checked against the real formats.
func TestWalkSystemCompressors(t *testing.T) {
	for _, c := range []struct{ tool, format, ext string }{{"bzip2", "bzip2", ".bz2"}, {"xz", "xz", ".xz"}} {
		testenv.Tools(t, c.tool)
		cmd := exec.Command(c.tool, "-c")
		cmd.Stdin = strings.NewReader("compressed text")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", c.tool, err)
		}
		got, err := walkBytes(t, c.format, out, "log.txt"+c.ext)
		if err != nil || len(got) != 1 || got[0].data != "compressed text" || got[0].name != "log.txt" {
			t.Errorf("Walk(%s) = %+v, %v; want log.txt with the text", c.format, got, err)
		}
	}
}

// tar | bzip2 and tar | xz from the system tools: the tar members come
// straight out of the stream.
func TestWalkCompressedTar(t *testing.T) {
	testenv.Tools(t, "tar", "bzip2", "xz")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "plan.txt"), []byte("line 3 plan"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ flag, format string }{{"-j", "bzip2"}, {"-J", "xz"}} {
		out, err := exec.Command("tar", "-C", dir, c.flag, "-cf", "-", "plan.txt").Output()
		if err != nil {
			t.Fatalf("tar %s: %v", c.flag, err)
		}
		got, err := walkBytes(t, c.format, out, "backup.tar")
		if err != nil || len(got) != 1 || got[0].name != "plan.txt" || got[0].data != "line 3 plan" {
			t.Errorf("Walk(%s tar) = %+v, %v; want plan.txt with its text", c.format, got, err)
		}
	}
}

func TestWalkCorrupt(t *testing.T) {
	good := corpus.Zip(corpus.Member{Name: "a.txt", Data: bytes.Repeat([]byte("data "), 1000)})
	truncated := good[:len(good)/2]
	flipped := append([]byte(nil), good...)
	flipped[40] ^= 0xff // inside the deflated data: CRC or inflate fails
	for name, data := range map[string][]byte{"truncated zip": truncated, "flipped zip": flipped, "garbage tar": bytes.Repeat([]byte{0xff}, 1024)} {
		format := "zip"
		if strings.Contains(name, "tar") {
			format = "tar"
		}
		_, err := walkBytes(t, format, data, "x")
		if !errors.Is(err, archive.ErrCorrupt) {
			t.Errorf("Walk(%s) error = %v, want ErrCorrupt", name, err)
		}
	}
	if _, err := walkBytes(t, "7z", []byte("7z\xbc\xaf\x27\x1c"), "x.7z"); !errors.Is(err, archive.ErrUnsupported) {
		t.Errorf("Walk(7z) error = %v, want ErrUnsupported", err)
	}
}

func TestTarSpecialMembers(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "dev", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3})
	tw.WriteHeader(&tar.Header{Name: "hard", Typeflag: tar.TypeLink, Linkname: "dev"})
	tw.WriteHeader(&tar.Header{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.Close()
	got, err := walkBytes(t, "tar", buf.Bytes(), "x.tar")
	if err != nil {
		t.Fatal(err)
	}
	want := []archive.Kind{archive.Special, archive.Link, archive.Dir}
	for i, k := range want {
		if i >= len(got) || got[i].kind != k {
			t.Fatalf("Walk(tar with special members) = %+v, want kinds %v", got, want)
		}
	}
}

func TestUnsafeName(t *testing.T) {
	tests := map[string]bool{
		"a/b.txt": false, "./a": false, "a..b": false,
		"../evil": true, "a/../../evil": true, `..\evil.exe`: true, "/etc/passwd": true,
		`C:\Windows\x.dll`: true, "": true, "a\x00b": true, "..": true,
	}
	for name, unsafe := range tests {
		if got := archive.UnsafeName(name) != ""; got != unsafe {
			t.Errorf("UnsafeName(%q) = %q, want unsafe=%v", name, archive.UnsafeName(name), unsafe)
		}
	}
}

func TestStreamName(t *testing.T) {
	for in, want := range map[string]string{
		"a.tar.gz": "a.tar", "b.tgz": "b.tar", "log.txt.bz2": "log.txt", "x.xz": "x", ".gz": ".gz.uncompressed", "noext": "noext.uncompressed",
	} {
		if got := archive.StreamName(in, "gzip"); got != want {
			t.Errorf("StreamName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzWalk feeds arbitrary bytes as each format: the walk must end with
// members or an error, never a panic or a hang.
// Seeds come from testdata/seeds, named FORMAT-what.
func FuzzWalk(f *testing.F) {
	formats := []string{"zip", "tar", "gzip", "bzip2", "xz"}
	seeds, err := filepath.Glob("testdata/seeds/*")
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no fuzz seeds in testdata/seeds: %v", err)
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		format, _, _ := strings.Cut(filepath.Base(p), "-")
		i := slices.Index(formats, format)
		if i < 0 {
			f.Fatalf("seed %s: unknown format %q", p, format)
		}
		f.Add(data, uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		format := formats[int(which)%len(formats)]
		p := filepath.Join(t.TempDir(), "a")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		var total int64
		archive.Walk(context.Background(), format, fh, int64(len(data)), "f", archive.Limits{}, func(m archive.Member, r io.Reader) error {
			archive.UnsafeName(m.Name)
			if r != nil {
				// Bound what a tiny input may expand to, as the scanner does.
				n, err := io.Copy(io.Discard, io.LimitReader(r, 1<<20-total))
				total += n
				if err != nil {
					return err
				}
				if total >= 1<<20 {
					return errors.New("limit")
				}
			}
			return nil
		})
	})
}

// TestTarSkippedDataBounded: archive/tar skips the data of a member of an
// unknown type inside Next, where no member limit counts it; a compressed
// tar must not make it decompress without bound.
func TestTarSkippedDataBounded(t *testing.T) {
	const size = 80 << 20
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: "odd", Typeflag: 'Z', Size: size, Mode: 0o644}); err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range size / len(zeros) {
		tw.Write(zeros)
	}
	tw.WriteHeader(&tar.Header{Name: "after", Typeflag: tar.TypeReg, Mode: 0o644})
	tw.Close()
	zw.Close()
	got, err := walkBytes(t, "gzip", buf.Bytes(), "x.tar.gz")
	if !errors.Is(err, archive.ErrCorrupt) {
		t.Errorf("Walk(tar.gz skipping %d bytes) error = %v, want ErrCorrupt", size, err)
	}
	if len(got) != 1 || got[0].kind != archive.Special {
		t.Errorf("Walk(tar.gz skipping %d bytes) = %+v, want the special member only", size, got)
	}
}
