package corpus

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// File is one file of a generated drive, with the verdict the station
// must reach on it.
type File struct {
	Path    string // slash-separated, relative to the drive root
	Data    []byte
	Verdict string // "clean", "infected", "blocked"
	Why     string // what the case shows
}

// Write creates the files under root.
func Write(root string, files []File) error {
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// LeakedTool is a file the demo blocklist names by SHA-256: a stand-in
// for a known-bad tool that no signature catches.
func LeakedTool() []byte {
	return []byte("plc-backdoor 2.1 settings (a demo stand-in for a known-bad file)\ntarget=10.0.0.0/8\n")
}

// Blocklist returns a LOKI-style hash list naming data.
func Blocklist(name string, data []byte) []byte {
	sum := sha256.Sum256(data)
	return []byte(fmt.Sprintf("# Sluice demo blocklist\n%s;%s\n", hex.EncodeToString(sum[:]), name))
}

// DemoDrive is the content of the demo USB drive: what an operator might
// bring, good and bad.
func DemoDrive() []File {
	return []File{
		{"documents/maintenance-report.pdf", PDF("Line 3 maintenance report"), "clean", "an ordinary PDF"},
		{"documents/notes.txt", []byte("Torque settings for press 4: 35 Nm.\nCheck again after 500 cycles.\n"), "clean", "plain text"},
		{"documents/parts-list.csv", []byte("part,qty\nbearing 6204,4\nbelt A42,2\n"), "clean", "CSV"},
		{"documents/procedure.docx", Docx("Lock-out procedure, revision 7", false), "clean", "a Word document without macros"},
		{"images/line3.png", PNG(64, 48), "clean", "a PNG image"},
		{"images/panel.jpg", JPEG(64, 48), "clean", "a JPEG photo"},
		{"backup/recipes.tar.gz", TarGz(Member{"recipes/batch-12.csv", []byte("step,temp\n1,180\n2,210\n")}), "clean", "a clean archive"},
		{"eicar.com", EICAR, "infected", "the EICAR test virus"},
		{"archives/nested.zip", NestZip("eicar.com", EICAR, 2), "infected", "EICAR inside a zip inside a zip"},
		{"archives/secret.zip", EncryptedZip("passwords.xlsx", 4096), "blocked", "an encrypted zip cannot be inspected"},
		{"invoice.pdf", PE(), "blocked", "a Windows program renamed .pdf"},
		{"documents/order-form.docm", Docx("Enable content to see the order", true), "blocked", "a Word document with a macro"},
		{"tools/plc-settings.txt", LeakedTool(), "infected", "text that only the hash blocklist knows is bad"},
		{"autorun.inf", []byte("[autorun]\r\nopen=setup.exe\r\n"), "blocked", "an autorun file"},
	}
}

// WriteDemo writes the demo drive under dir/drive and its blocklist as
// dir/blocklist.txt.
func WriteDemo(dir string) error {
	if err := Write(filepath.Join(dir, "drive"), DemoDrive()); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "blocklist.txt"), Blocklist("plc-backdoor demo tool", LeakedTool()), 0o644)
}

// Describe lists the files with their expected verdicts, for the demo.
func Describe(files []File) string {
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "  %-9s %-36s %s\n", f.Verdict, f.Path, f.Why)
	}
	return b.String()
}
