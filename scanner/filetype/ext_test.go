package filetype

import (
	"slices"
	"testing"
)

func TestExt(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"invoice.pdf", "pdf"},
		{"INVOICE.PDF", "pdf"},
		{"evil.exe.", "exe"},
		{"a.pdf ", "pdf"},
		{"evil.exe . . ", "exe"},
		{"archive.tar.gz", "gz"},
		{"invoice.pdf.exe", "exe"},
		{"dir.d/README", ""},
		{`C:\Users\x\run.BAT`, "bat"},
		{"a/b\\c.Lnk", "lnk"},
		{".bat", "bat"},
		{".", ""},
		{"...", ""},
		{"", ""},
		{"noext", ""},
		{"x.{3050F4D8-98B5-11CF-BB82-00AA00BDCE0B}", "{3050f4d8-98b5-11cf-bb82-00aa00bdce0b}"},
	} {
		if got := Ext(c.name); got != c.want {
			t.Errorf("Ext(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestExtTables(t *testing.T) {
	for _, e := range []string{"exe", "dll", "scr", "pif", "cpl", "msi", "bat", "cmd", "ps1", "vbs",
		"js", "hta", "jar", "lnk", "url", "scf", "reg", "inf", "chm", "iso", "img", "vhdx", "sh",
		"py", "elf", "so", "dylib", "apk", "dex", "class", "appx", "msix", "library-ms",
		"settingcontent-ms", "{0002df01-0000-0000-c000-000000000046}"} {
		if !IsExecutableExt(e) {
			t.Errorf("IsExecutableExt(%q) = false, want true", e)
		}
		if IsInertExt(e) {
			t.Errorf("IsInertExt(%q) = true, want false", e)
		}
	}
	for _, e := range []string{"pdf", "docx", "xlsx", "txt", "csv", "png", "jpg", "zip", "7z", "mp4"} {
		if !IsInertExt(e) {
			t.Errorf("IsInertExt(%q) = false, want true", e)
		}
		if IsExecutableExt(e) {
			t.Errorf("IsExecutableExt(%q) = true, want false", e)
		}
	}
	// Active but not executable: allowed by default, not inert.
	for _, e := range []string{"html", "svg", "docm", "xlsm", "bin", ""} {
		if IsExecutableExt(e) || IsInertExt(e) {
			t.Errorf("IsExecutableExt(%q), IsInertExt(%q) = %v, %v, want false, false", e, e, IsExecutableExt(e), IsInertExt(e))
		}
	}
	for _, e := range extExecutable {
		if Ext("x."+e) != e {
			t.Errorf("Ext(%q) = %q: the table entry is not a normalised extension", "x."+e, Ext("x."+e))
		}
	}
	if !slices.IsSorted(ExecutableExts()) {
		t.Errorf("ExecutableExts() is not sorted")
	}
}
