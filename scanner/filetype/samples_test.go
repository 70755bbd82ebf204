package filetype

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"
)

// Samples are built in code: the smallest bytes that each format's readers
// (and this package) accept. The few that need an external compressor are
// committed under testdata/.

func pe(lfanew int, dll bool) []byte {
	b := make([]byte, max(0x200, lfanew+0x100))
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], uint32(lfanew))
	copy(b[0x40:], "This program cannot be run in DOS mode.\r\n$")
	copy(b[lfanew:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(b[lfanew+4:], 0x14c) // i386
	binary.LittleEndian.PutUint16(b[lfanew+6:], 1)     // sections
	binary.LittleEndian.PutUint16(b[lfanew+20:], 0xe0) // optional header size
	chars := uint16(0x0102)
	if dll {
		chars |= 0x2000
	}
	binary.LittleEndian.PutUint16(b[lfanew+22:], chars)
	binary.LittleEndian.PutUint16(b[lfanew+24:], 0x10b) // PE32
	return b
}

func dosCOM() []byte {
	b := make([]byte, 0x60)
	copy(b, "MZ\x90\x00\x03")
	copy(b[0x40:], "\xba\x10\x01\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21")
	return b
}

func elf(class, data byte, typ uint16) []byte {
	b := make([]byte, 64)
	copy(b, "\x7fELF")
	b[4], b[5], b[6] = class, data, 1
	if data == 2 {
		binary.BigEndian.PutUint16(b[16:], typ)
	} else {
		binary.LittleEndian.PutUint16(b[16:], typ)
	}
	return b
}

func machO(magic uint32, order binary.ByteOrder) []byte {
	b := make([]byte, 32)
	binary.BigEndian.PutUint32(b, magic)
	order.PutUint32(b[4:], 0x01000007) // x86_64
	order.PutUint32(b[12:], 2)         // MH_EXECUTE
	return b
}

func fatMachO(magic uint32, archs int) []byte {
	b := make([]byte, 8+20*archs+64)
	binary.BigEndian.PutUint32(b, magic)
	binary.BigEndian.PutUint32(b[4:], uint32(archs))
	for i := range archs {
		binary.BigEndian.PutUint32(b[8+20*i:], 0x01000007+uint32(i)*5)
	}
	return b
}

func javaClass() []byte {
	return []byte("\xca\xfe\xba\xbe\x00\x00\x00\x34\x00\x10\x0a\x00\x03\x00\x0d\x07")
}

func lnk() []byte {
	b := make([]byte, 0x4c)
	copy(b, "\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46")
	return b
}

func utf16le(s string) []byte {
	b := []byte("\xff\xfe")
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

func encodeImage(t testing.TB, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := enc(&buf, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func bmp() []byte {
	b := make([]byte, 58)
	copy(b, "BM")
	binary.LittleEndian.PutUint32(b[2:], 58)
	binary.LittleEndian.PutUint32(b[10:], 54)
	binary.LittleEndian.PutUint32(b[14:], 40)
	binary.LittleEndian.PutUint32(b[18:], 1)
	binary.LittleEndian.PutUint32(b[22:], 1)
	binary.LittleEndian.PutUint16(b[26:], 1)
	binary.LittleEndian.PutUint16(b[28:], 24)
	return b
}

func riff(form, chunk string) []byte {
	b := make([]byte, 44)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], 36)
	copy(b[8:], form+chunk)
	binary.LittleEndian.PutUint32(b[16:], 16)
	return b
}

// zipOf writes the members in order; a name starting with "=" is stored
// rather than deflated (ODF's "mimetype" must be).
func zipOf(t testing.TB, members ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(members); i += 2 {
		name, method := members[i], zip.Deflate
		if name[0] == '=' {
			name, method = name[1:], zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(members[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func contentTypes(main string, extra ...string) string {
	s := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>`
	for _, e := range extra {
		s += e
	}
	return s + fmt.Sprintf(`<Override PartName="/main.xml" ContentType="%s"/></Types>`, main)
}

const rels = `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`

func tarOf(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := []byte("hello sluice\n")
	if err := tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(body)), Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// v7Tar is a pre-POSIX header: no magic, only the checksum to go by.
func v7Tar() []byte {
	b := make([]byte, 1024)
	copy(b, "hello.txt")
	copy(b[100:], "0000644\x00")
	copy(b[108:], "0001750\x00")
	copy(b[116:], "0001750\x00")
	copy(b[124:], "00000000015\x00")
	copy(b[136:], "14712345670\x00")
	copy(b[148:], "        ")
	b[156] = '0'
	var sum int
	for _, c := range b[:512] {
		sum += int(c)
	}
	copy(b[148:], fmt.Sprintf("%06o\x00 ", sum))
	copy(b[512:], "hello sluice\n")
	return b
}

func gzipOf(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ole builds a compound file with 512-byte sectors whose directory starts
// in sector 0, holding a root entry with the given CLSID and one stream.
func ole(rootCLSID, stream string) []byte {
	b := make([]byte, 512*3)
	copy(b, oleMagic)
	binary.LittleEndian.PutUint16(b[0x18:], 0x3e)
	binary.LittleEndian.PutUint16(b[0x1a:], 3)
	binary.LittleEndian.PutUint16(b[0x1c:], 0xfffe)
	binary.LittleEndian.PutUint16(b[0x1e:], 9)
	binary.LittleEndian.PutUint16(b[0x20:], 6)
	binary.LittleEndian.PutUint32(b[0x30:], 0)
	dir := b[512:1024]
	entry := func(e []byte, name string, typ byte) {
		u := utf16.Encode([]rune(name))
		for i, c := range u {
			binary.LittleEndian.PutUint16(e[2*i:], c)
		}
		binary.LittleEndian.PutUint16(e[0x40:], uint16(2*len(u)+2))
		e[0x42] = typ
	}
	entry(dir[0:128], "Root Entry", 5)
	if rootCLSID != "" {
		copy(dir[0x50:], clsid(rootCLSID))
	}
	if stream != "" {
		entry(dir[128:256], stream, 2)
	}
	return b
}

func iso() []byte {
	b := make([]byte, 0x8800)
	b[0x8000] = 1
	copy(b[0x8001:], "CD001\x01")
	return b
}

func footer(sig string) []byte {
	b := make([]byte, 2048)
	copy(b[len(b)-512:], sig)
	return b
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewChaCha8([32]byte{'s', 'l', 'u', 'i', 'c', 'e'}))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
