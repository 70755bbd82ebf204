package filetype

import (
	"slices"
	"strings"
	"testing"
)

var (
	typePDF   = Type{MIME: "application/pdf", Category: Document, Label: "PDF"}
	typeText  = Type{MIME: "text/plain", Category: Text, Label: "TEXT"}
	typePNG   = Type{MIME: "image/png", Category: Image, Label: "PNG"}
	typeJPEG  = Type{MIME: "image/jpeg", Category: Image, Label: "JPEG"}
	typeHTML  = Type{MIME: "text/html", Category: Text, Label: "HTML"}
	typeFont  = Type{MIME: "font/ttf", Category: Unknown, Label: "TTF"}
	typeShell = Type{MIME: "text/x-shellscript", Category: Script, Label: "UNIX SCRIPT"}
	typeDocx  = Type{MIME: ooxmlMIME["docx"], Category: Document, Label: "Office", Container: "zip", Document: true}
	typeMP4   = Type{MIME: "video/mp4", Category: Media, Label: "MP4"}
)

func rules(vs []Violation) string {
	var r []string
	for _, v := range vs {
		r = append(r, v.Rule)
	}
	return strings.Join(r, ",")
}

func TestCheck(t *testing.T) {
	def := DefaultPolicy()
	limited := DefaultPolicy()
	limited.MaxSize = 100
	custom := Policy{
		Allow:     []Category{Document, Text},
		AllowMIME: []string{"Image/PNG"},
		DenyMIME:  []string{"text/html; charset=utf-8"},
		DenyExt:   []string{".CSV"},
	}
	for _, c := range []struct {
		p          Policy
		name       string
		size       int64
		t          Type
		inDocument bool
		want       string
	}{
		{def, "invoice.pdf", 10, typePE, false, "disguised-executable,type-not-allowed"},
		{def, "report.pdf", 10, typePDF, false, ""},
		{def, "photo.png", 10, typeELF, false, "disguised-executable,type-not-allowed"},
		{def, "notes.txt", 10, typeShell, false, "disguised-script,type-not-allowed"},
		{def, "Resume.DOCX", 10, typeLNK, false, "disguised-shortcut,type-not-allowed"},
		{def, "setup.exe", 10, typePE, false, "type-not-allowed,denied-extension"},
		{def, "tool", 10, typeELF, false, "type-not-allowed"},
		{def, "run.bat", 10, typeText, false, "denied-extension"},
		{def, "run.BAT. . ", 10, typeText, false, "denied-extension"},
		{def, "invoice.pdf.lnk", 10, typeText, false, "denied-extension"},
		{def, "x.exe::$DATA", 10, typeText, false, "denied-extension"},
		{def, "x.exe::$DATA", 10, typePE, false, "type-not-allowed,denied-extension"},
		{def, "x.pdf:y.exe", 10, typePE, false, "type-not-allowed,denied-extension"},
		{def, "readme.txt:payload", 10, typeText, false, ""},
		{def, "fotos.{3050f4d8-98b5-11cf-bb82-00aa00bdce0b}", 10, typeText, false, "denied-extension"},
		{def, "AUTORUN.INF ", 10, typeText, false, "reserved-name,denied-extension"},
		{def, "stick/Desktop.ini", 10, typeText, false, "reserved-name"},
		{def, "autorun.sh", 10, typeShell, false, "reserved-name,type-not-allowed,denied-extension"},
		{def, "photo.jpg", 10, typePNG, false, ""},
		{def, "report.docx", 10, typeDocx, false, ""},
		{def, "movie.mp4", 10, typeMP4, false, "type-not-allowed"},
		{def, "blob.dat", 10, typeUnknown, false, "type-not-allowed"},
		{def, "page.html", 10, typeHTML, false, ""},
		{limited, "big.pdf", 101, typePDF, false, "too-large"},
		{limited, "small.pdf", 100, typePDF, false, ""},

		// Internal parts of a document.
		{def, "word/fonts/font1.odttf", 10, typeFont, true, ""},
		{def, "_rels/.rels", 10, Type{MIME: "text/xml", Category: Text, Label: "XML"}, true, ""},
		{def, "word/embeddings/oleObject1.bin", 10, typeOLE, true, ""},
		{def, "word/media/image1.png", 10, typePE, true, "disguised-executable"},
		{def, "word/media/image1", 10, typePE, true, "executable-in-document"},
		{def, "Scripts/javascript/x.js", 10, typeText, true, "denied-extension"},
		{def, "word/hook.lnk", 10, typeLNK, true, "shortcut-in-document,denied-extension"},
		{limited, "word/media/big.png", 1000, typePNG, true, ""},
		{def, "autorun.inf", 10, typeText, true, "denied-extension"},

		// Overrides.
		{custom, "a.png", 10, typePNG, false, ""},
		{custom, "a.jpg", 10, typeJPEG, false, "type-not-allowed"},
		{custom, "a.html", 10, typeHTML, false, "type-denied"},
		{custom, "a.htm", 10, typeHTML, true, "type-denied"},
		{custom, "a.csv", 10, typeText, false, "denied-extension"},
		{custom, "a.bat", 10, typeText, false, ""},
		{Policy{}, "a.txt", 10, typeText, false, "type-not-allowed"},
	} {
		got := rules(c.p.Check(c.name, c.size, c.t, c.inDocument))
		if got != c.want {
			t.Errorf("Check(%q, %d, %s, %v) = %q, want %q", c.name, c.size, c.t.Label, c.inDocument, got, c.want)
		}
	}
}

func TestCheckDetail(t *testing.T) {
	for _, c := range []struct {
		name string
		size int64
		t    Type
		want Violation
	}{
		{"invoice.pdf", 1, typePE, Violation{RuleDisguisedExecutable, "executable (EXE) disguised as .pdf"}},
		{"run.bat", 1, typeText, Violation{RuleDeniedExtension, "extension .bat is refused"}},
		{"AutoRun.inf.", 1, typeText, Violation{RuleReservedName, "reserved name autorun.inf"}},
		{"x.bin", 1, typeUnknown, Violation{RuleTypeNotAllowed, "type unknown (application/octet-stream) is not allowed"}},
	} {
		got := DefaultPolicy().Check(c.name, c.size, c.t, false)
		if len(got) == 0 || got[0] != c.want {
			t.Errorf("Check(%q, %s)[0] = %+v, want %+v", c.name, c.t.Label, got, c.want)
		}
	}
}

// Every type Detect can return from the samples passes the default policy
// under its own extension exactly when its category is allowed and its
// content is inert.
func TestCheckSamplesUnderOwnName(t *testing.T) {
	own := map[Category]string{Document: "x.pdf", Image: "x.png", Text: "x.txt", Archive: "x.zip",
		Media: "x.mp4", Executable: "x.exe", Script: "x.sh", Shortcut: "x.lnk", Unknown: "x.dat"}
	p := DefaultPolicy()
	for _, s := range samples(t) {
		v := p.Check(own[s.want.Category], 1, s.want, false)
		wantClean := slices.Contains(p.Allow, s.want.Category)
		if (len(v) == 0) != wantClean {
			t.Errorf("Check(%s, %s) = %v, want clean %v", own[s.want.Category], s.name, v, wantClean)
		}
	}
}

func TestDefaultPolicyIsACopy(t *testing.T) {
	p := DefaultPolicy()
	p.DenyExt[0] = "changed"
	p.Allow[0] = Executable
	if q := DefaultPolicy(); q.DenyExt[0] == "changed" || q.Allow[0] == Executable {
		t.Errorf("DefaultPolicy() shares its slices between calls")
	}
}
