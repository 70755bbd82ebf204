package filetype

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"
)

type sample struct {
	name string
	data []byte
	want Type
}

func samples(t testing.TB) []sample {
	t.Helper()
	docx := contentTypes("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
	vba := `<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>`
	return []sample{
		// Executables.
		{"pe", pe(0x80, false), typePE},
		{"pe dll", pe(0xc8, true), typePE},
		{"pe far e_lfanew", pe(0x1800, false), typePE},
		{"dos com", dosCOM(), typeDOS},
		{"mz only", []byte("MZ"), typeDOS},
		{"elf64 exec", elf(2, 1, 2), typeELF},
		{"elf32 be shared", elf(1, 2, 3), Type{MIME: "application/x-sharedlib", Category: Executable, Label: "ELF"}},
		{"elf object", elf(2, 1, 1), Type{MIME: "application/x-object", Category: Executable, Label: "ELF"}},
		{"macho 64 le", machO(0xcffaedfe, binary.LittleEndian), typeMachO},
		{"macho 32 be", machO(0xfeedface, binary.BigEndian), typeMachO},
		{"macho 64 be", machO(0xfeedfacf, binary.BigEndian), typeMachO},
		{"macho 32 le", machO(0xcefaedfe, binary.LittleEndian), typeMachO},
		{"macho fat", fatMachO(0xcafebabe, 2), typeMachO},
		{"macho fat64", fatMachO(0xcafebabf, 1), typeMachO},
		{"java class", javaClass(), typeClass},
		{"dex", append([]byte("dex\n035\x00"), make([]byte, 104)...), typeDEX},
		{"wasm", []byte("\x00asm\x01\x00\x00\x00"), typeWASM},
		{"msi", ole("000C1084-0000-0000-C000-000000000046", ""), typeMSI},
		{"msp", ole("000C1086-0000-0000-C000-000000000046", ""), typeMSP},
		{"lnk", lnk(), typeLNK},
		{"jar", zipOf(t, "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n", "a/B.class", "x"), typeJAR},
		{"apk", zipOf(t, "AndroidManifest.xml", "x", "classes.dex", "dex\n035\x00"), typeAPK},
		{"msix", zipOf(t, "[Content_Types].xml", docx, "AppxManifest.xml", "<Package/>"), typeMSIX},

		// Scripts.
		{"sh", []byte("#!/bin/sh\necho hi\n"), Type{MIME: "text/x-shellscript", Category: Script, Label: "UNIX SCRIPT"}},
		{"env python", []byte("#!/usr/bin/env -S python3 -u\nprint(1)\n"), Type{MIME: "text/x-python", Category: Script, Label: "UNIX SCRIPT"}},
		{"relative shebang", []byte("#!perl\n"), Type{MIME: "text/x-perl", Category: Script, Label: "Script"}},
		{"hta", []byte("<html><head><title>x</title>\n<HTA:Application id=a/>\n<script>1</script></head></html>"), typeHTA},
		{"hta after junk", append(randomBytes(100), "<hta:application>"...), typeHTA},
		{"php", []byte("\xef\xbb\xbf\n<?PHP echo 1; ?>"), typePHP},
		{"batch", []byte("@ECHO OFF\r\ndel x\r\n"), typeBatch},
		{"reg utf16", utf16le("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\x]\r\n"), typeReg},
		{"reg ascii", []byte("REGEDIT4\r\n"), typeReg},
		{"asp", []byte(`<%@ Page Language="C#" %>`), typeJSP},

		// Documents.
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), Type{MIME: "application/pdf", Category: Document, Label: "PDF"}},
		{"rtf", []byte(`{\rtf1\ansi hello}`), Type{MIME: "text/rtf", Category: Document, Label: "RTF"}},
		{"ole", ole("", ""), typeOLE},
		{"ole header only", []byte(oleMagic), typeOLE},
		{"doc by clsid", ole("00020906-0000-0000-C000-000000000046", ""), typeDoc},
		{"doc by stream", ole("", "WordDocument"), typeDoc},
		{"xls by stream", ole("", "Workbook"), typeXls},
		{"ppt by clsid", ole("64818D10-4F9B-11CF-86EA-00AA00B929E8", ""), typePpt},
		{"docx", zipOf(t, "[Content_Types].xml", docx, "_rels/.rels", rels, "word/document.xml", "<w:document/>"),
			Type{MIME: ooxmlMIME["docx"], Category: Document, Label: "Office", Container: "zip", Document: true}},
		{"docm", zipOf(t, "[Content_Types].xml", contentTypes("application/vnd.ms-word.document.macroEnabled.main+xml", vba), "word/document.xml", "x", "word/vbaProject.bin", "x"),
			Type{MIME: ooxmlMIME["docm"], Category: Document, Label: "Office", Container: "zip", Document: true}},
		{"xlsx", zipOf(t, "[Content_Types].xml", contentTypes("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"), "xl/workbook.xml", "x"),
			Type{MIME: ooxmlMIME["xlsx"], Category: Document, Label: "Office", Container: "zip", Document: true}},
		{"xlsx with vba is xlsm", zipOf(t, "[Content_Types].xml", contentTypes("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"), "xl/workbook.xml", "x", "xl/vbaProject.bin", "x"),
			Type{MIME: ooxmlMIME["xlsm"], Category: Document, Label: "Office", Container: "zip", Document: true}},
		{"pptm", zipOf(t, "[Content_Types].xml", contentTypes("application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml", vba), "ppt/presentation.xml", "x"),
			Type{MIME: ooxmlMIME["pptm"], Category: Document, Label: "Office", Container: "zip", Document: true}},
		{"ooxml by part names", zipOf(t, "[Content_Types].xml", "<Types/>", "ppt/presentation.xml", "x"),
			Type{MIME: ooxmlMIME["pptx"], Category: Document, Label: "Office", Container: "zip", Document: true}},
		{"odt", zipOf(t, "=mimetype", "application/vnd.oasis.opendocument.text", "content.xml", "<office:document-content/>"),
			Type{MIME: "application/vnd.oasis.opendocument.text", Category: Document, Label: "ODT", Container: "zip", Document: true}},
		{"ods", zipOf(t, "=mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml", "x"),
			Type{MIME: "application/vnd.oasis.opendocument.spreadsheet", Category: Document, Label: "ODS", Container: "zip", Document: true}},
		{"epub", zipOf(t, "=mimetype", "application/epub+zip", "META-INF/container.xml", "x"),
			Type{MIME: "application/epub+zip", Category: Document, Label: "EPUB", Container: "zip"}},

		// Text.
		{"empty", nil, typeEmpty},
		{"text", []byte("hello, plain text\n"), Type{MIME: "text/plain", Category: Text, Label: "TEXT"}},
		{"utf16 text", utf16le("hello, plain text\r\n"), Type{MIME: "text/plain", Category: Text, Label: "TEXT"}},
		{"csv", []byte("a,b,c\n1,2,3\n4,5,6\n"), Type{MIME: "text/csv", Category: Text, Label: "CSV"}},
		{"json", []byte(`{"a": 1, "b": [1, 2]}`), Type{MIME: "application/json", Category: Text, Label: "JSON"}},
		{"xml", []byte(`<?xml version="1.0"?><root/>`), Type{MIME: "text/xml", Category: Text, Label: "XML"}},
		{"html", []byte("<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>"), Type{MIME: "text/html", Category: Text, Label: "HTML"}},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>`), Type{MIME: "image/svg+xml", Category: Text, Label: "SVG"}},
		{"text CWS", []byte("CWS report for line 3\n"), Type{MIME: "text/plain", Category: Text, Label: "TEXT"}},

		// Images and media.
		{"png", encodeImage(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }), Type{MIME: "image/png", Category: Image, Label: "PNG"}},
		{"jpeg", encodeImage(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }), Type{MIME: "image/jpeg", Category: Image, Label: "JPEG"}},
		{"gif", encodeImage(t, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) }), Type{MIME: "image/gif", Category: Image, Label: "GIF"}},
		{"bmp", bmp(), Type{MIME: "image/bmp", Category: Image, Label: "BMP"}},
		{"tiff", []byte("II*\x00\x08\x00\x00\x00\x00\x00"), Type{MIME: "image/tiff", Category: Image, Label: "TIFF"}},
		{"webp", riff("WEBP", "VP8 "), Type{MIME: "image/webp", Category: Image, Label: "WEBP"}},
		{"wav", riff("WAVE", "fmt "), Type{MIME: "audio/wav", Category: Media, Label: "WAV"}},

		// Archives.
		{"zip", zipOf(t, "a.txt", "hello"), typeZip},
		{"empty zip", zipOf(t), typeZip},
		{"tar", tarOf(t), typeTar},
		{"v7 tar", v7Tar(), typeTar},
		{"tar.gz", gzipOf(t, tarOf(t)), Type{MIME: "application/gzip", Category: Archive, Label: "GZIP", Container: "gzip"}},
		{"bz2", readTestdata(t, "hello.txt.bz2"), Type{MIME: "application/x-bzip2", Category: Archive, Label: "BZip2", Container: "bzip2"}},
		{"xz", readTestdata(t, "hello.txt.xz"), Type{MIME: "application/x-xz", Category: Archive, Label: "XZ", Container: "xz"}},
		{"7z", readTestdata(t, "hello.7z"), Type{MIME: "application/x-7z-compressed", Category: Archive, Label: "7Zip", Container: "7z"}},
		{"rar5", append([]byte("Rar!\x1a\x07\x01\x00"), make([]byte, 32)...), Type{MIME: "application/vnd.rar", Category: Archive, Label: "RAR", Container: "rar"}},
		{"cab", append([]byte("MSCF\x00\x00\x00\x00"), make([]byte, 32)...), Type{MIME: "application/vnd.ms-cab-compressed", Category: Archive, Label: "CAB", Container: "cab"}},
		{"iso", iso(), typeISO},
		{"vhd footer", footer("conectix"), typeVHD},
		{"vhdx", append([]byte("vhdxfile"), make([]byte, 64)...), typeVHDX},
		{"dmg", footer("koly"), typeDMG},

		// Other.
		{"minidump", append([]byte("MDMP\x93\xa7\x00\x00"), make([]byte, 24)...), Type{MIME: "application/x-dmp", Category: Unknown, Label: "MDMP"}},
		{"flash", append([]byte("FWS\x0a"), make([]byte, 16)...), Type{MIME: "application/x-shockwave-flash", Category: Unknown, Label: "FWS (Flash)"}},
		{"random", randomBytes(4096), typeUnknown},
	}
}

func TestDetect(t *testing.T) {
	for _, s := range samples(t) {
		got, err := Detect(bytes.NewReader(s.data), int64(len(s.data)))
		if err != nil {
			t.Errorf("Detect(%s) error: %v", s.name, err)
			continue
		}
		if got != s.want {
			t.Errorf("Detect(%s) = %+v, want %+v", s.name, got, s.want)
		}
	}
}

// An executable stays an executable when the rest of it would also pass for
// an archive: a PE whose tail is a zip (self-extractors), an MZ that is a
// valid tar header.
func TestDetectPolyglot(t *testing.T) {
	sfx := append(pe(0x80, false), zipOf(t, "a.txt", "x")...)
	tarPE := v7Tar()
	copy(tarPE, "MZ")
	isoPE := iso()
	copy(isoPE, pe(0x80, false))
	zipISO := iso()
	copy(zipISO, zipOf(t, "a.txt", "x"))
	for _, c := range []struct {
		name string
		data []byte
		want Type
	}{
		{"pe+zip", sfx, typePE},
		{"mz tar", tarPE, typeDOS},
		{"pe in iso system area", isoPE, typePE},
		{"zip in iso system area", zipISO, typeISO},
	} {
		got, err := Detect(bytes.NewReader(c.data), int64(len(c.data)))
		if err != nil || got != c.want {
			t.Errorf("Detect(%s) = %+v, %v, want %+v", c.name, got, err, c.want)
		}
	}
}

// countingReader records how much Detect reads, and where.
type countingReader struct {
	r     io.ReaderAt
	read  int
	reads int
	end   int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.read += n
	c.reads++
	c.end = max(c.end, off+int64(len(p)))
	return n, err
}

func TestDetectReadsBoundedHeader(t *testing.T) {
	big := make([]byte, 8<<20)
	copy(big, zipOf(t, "a.txt", "hello"))
	copy(big[0x8000:], "\x01CD002") // near miss: not an ISO
	copy(big[len(big)-512:], "kolx")
	c := &countingReader{r: bytes.NewReader(big)}
	if _, err := Detect(c, int64(len(big))); err != nil {
		t.Fatal(err)
	}
	if c.read > maxRead {
		t.Errorf("Detect(8 MiB) read %d bytes, want at most %d", c.read, maxRead)
	}
}

func TestDetectShortFile(t *testing.T) {
	// The file is shorter than its claimed size: read what is there.
	data := []byte("%PDF-1.4\n")
	got, err := Detect(bytes.NewReader(data), 1<<20)
	if err != nil || got.Label != "PDF" {
		t.Errorf("Detect(short pdf, 1 MiB) = %+v, %v, want PDF", got, err)
	}
}

type failingReader struct{}

var errDisk = errors.New("disk on fire")

func (failingReader) ReadAt([]byte, int64) (int, error) { return 0, errDisk }

func TestDetectErrors(t *testing.T) {
	if _, err := Detect(failingReader{}, 100); !errors.Is(err, errDisk) {
		t.Errorf("Detect(failing reader) error = %v, want %v", err, errDisk)
	}
	if _, err := Detect(bytes.NewReader(nil), -1); !errors.Is(err, ErrNegativeSize) {
		t.Errorf("Detect(size -1) error = %v, want %v", err, ErrNegativeSize)
	}
	got, err := Detect(failingReader{}, 0)
	if err != nil || got != typeEmpty {
		t.Errorf("Detect(size 0) = %+v, %v, want %+v", got, err, typeEmpty)
	}
}

func BenchmarkDetect(b *testing.B) {
	worst := map[string][]byte{
		"many zip headers": bytes.Repeat([]byte("PK\x03\x04\x14\x00\x08\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00a"), 4000),
		"angle brackets":   bytes.Repeat([]byte("<"), 1<<20),
		"json nesting":     bytes.Repeat([]byte("[{\"a\":"), 1<<15),
	}
	for _, s := range samples(b) {
		worst[s.name] = s.data
	}
	for name, data := range worst {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			for b.Loop() {
				if _, err := Detect(bytes.NewReader(data), int64(len(data))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Detect is called from every scan worker at once.
func TestDetectConcurrent(t *testing.T) {
	all := samples(t)
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			for _, s := range all {
				if got, err := Detect(bytes.NewReader(s.data), int64(len(s.data))); err != nil || got != s.want {
					t.Errorf("Detect(%s) = %+v, %v, want %+v", s.name, got, err, s.want)
				}
			}
		})
	}
}
