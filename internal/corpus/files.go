package corpus

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
)

// EICAR is the standard anti-virus test file: harmless, and detected by
// every engine as if it were a virus.
var EICAR = []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)

// Member is one file inside a generated archive.
type Member struct {
	Name string
	Data []byte
}

// Zip returns a zip archive holding members, deflated.
func Zip(members ...Member) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.Name, Method: zip.Deflate})
		must(err)
		_, err = w.Write(m.Data)
		must(err)
	}
	must(zw.Close())
	return buf.Bytes()
}

// EncryptedZip returns a zip whose one member is marked as encrypted with
// traditional PKWARE encryption. The content is random-looking bytes, as
// an encrypted member would be; no tool can read it without a password.
func EncryptedZip(name string, size int) []byte {
	data := Pseudorandom(int64(size), 7)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Store, Flags: 0x1,
		CRC32: crc32.ChecksumIEEE(data), CompressedSize64: uint64(len(data)) + 12,
		UncompressedSize64: uint64(len(data)),
	})
	must(err)
	// 12-byte encryption header, then the "ciphertext".
	_, err = w.Write(append(Pseudorandom(12, 8), data...))
	must(err)
	must(zw.Close())
	return buf.Bytes()
}

// ZipBomb returns a small zip whose one member expands to size bytes of
// zeros: a ratio of about 1000:1.
func ZipBomb(size int64) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "zeros.bin", Method: zip.Deflate})
	must(err)
	_, err = io.CopyN(w, zeroReader{}, size)
	must(err)
	must(zw.Close())
	return buf.Bytes()
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TarGz returns a gzip-compressed tar archive holding members.
func TarGz(members ...Member) []byte {
	var buf bytes.Buffer
	gw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gw)
	for _, m := range members {
		must(tw.WriteHeader(&tar.Header{Name: m.Name, Mode: 0o644, Size: int64(len(m.Data)), Typeflag: tar.TypeReg}))
		_, err := tw.Write(m.Data)
		must(err)
	}
	must(tw.Close())
	must(gw.Close())
	return buf.Bytes()
}

// TarWithSymlink returns a tar holding a symlink member pointing at target.
func TarWithSymlink(name, target string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	must(tw.WriteHeader(&tar.Header{Name: name, Linkname: target, Typeflag: tar.TypeSymlink, Mode: 0o777}))
	must(tw.Close())
	return buf.Bytes()
}

// NestZip wraps data n times in zip archives: level k holds "level-k.zip".
func NestZip(name string, data []byte, n int) []byte {
	for i := n; i >= 1; i-- {
		data = Zip(Member{Name: name, Data: data})
		name = fmt.Sprintf("level-%d.zip", i)
	}
	return data
}

// PE returns a minimal Windows executable header: enough for any type
// detector to see a PE image, and nothing that runs.
func PE() []byte {
	b := make([]byte, 512)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x80)
	copy(b[0x80:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(b[0x84:], 0x14c) // i386
	binary.LittleEndian.PutUint16(b[0x94:], 0xe0)  // optional header size
	binary.LittleEndian.PutUint16(b[0x96:], 0x102) // executable image
	binary.LittleEndian.PutUint16(b[0x98:], 0x10b) // PE32 magic
	copy(b[0x40:], "This program cannot be run in DOS mode.\r\r\n$")
	return b
}

// PDF returns a small, valid, one-page PDF with the given text and an
// ordinary /OpenAction that only sets the view.
func PDF(text string) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	stream := fmt.Sprintf("BT /F1 14 Tf 72 760 Td (%s) Tj ET", text)
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

// Docx returns a minimal Word document; with macro set, it carries a
// vbaProject.bin part as a macro-enabled document does.
func Docx(text string, macro bool) []byte {
	ct := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`
	members := []Member{
		{"[Content_Types].xml", []byte(ct)},
		{"_rels/.rels", []byte(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`)},
		{"word/document.xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`)},
	}
	if macro {
		members = append(members, Member{"word/vbaProject.bin", OLEWithVBA()})
	}
	return Zip(members...)
}

// OLEWithVBA returns an OLE compound-file header followed by the UTF-16
// stream names a VBA project carries. It is not a working document; it is
// what a macro detector looks for.
func OLEWithVBA() []byte {
	b := make([]byte, 1024)
	copy(b, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	copy(b[512:], utf16("_VBA_PROJECT"))
	copy(b[600:], utf16("dir"))
	copy(b[700:], "Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\nEnd Sub\r\n")
	return b
}

func utf16(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, r := range s {
		out = append(out, byte(r), 0)
	}
	return out
}

// PNG returns a w×h gradient image.
func PNG(w, h int) []byte {
	var buf bytes.Buffer
	must(png.Encode(&buf, gradient(w, h)))
	return buf.Bytes()
}

// JPEG returns a w×h gradient photo.
func JPEG(w, h int) []byte {
	var buf bytes.Buffer
	must(jpeg.Encode(&buf, gradient(w, h), &jpeg.Options{Quality: 80}))
	return buf.Bytes()
}

func gradient(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / max(w, 1)), uint8(y * 255 / max(h, 1)), 128, 255})
		}
	}
	return img
}

// Pseudorandom returns n deterministic, incompressible bytes.
func Pseudorandom(n int64, seed uint64) []byte {
	b := make([]byte, n)
	x := seed*0x9e3779b97f4a7c15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x >> 24)
	}
	return b
}

func must(err error) {
	if err != nil {
		// Generating into memory cannot fail short of a bug here.
		panic("corpus: " + err.Error())
	}
}
