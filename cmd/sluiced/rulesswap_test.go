package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/transfer"
)

// TestRulesImportMidSession imports a signed rule bundle with the sluice
// CLI (root on the station is admin) while the station scans a drive:
// that session finishes with the rules it started with, and the next one
// scans with the bundle's. A file that only the bundle's rule flags shows
// which rules judged it: clean on the first drive, infected on the next.
func TestRulesImportMidSession(t *testing.T) {
	s := newStation(t)
	adminKey := s.trustRuleKey()
	// Last in walk order, so that it is read after the import.
	marker := corpus.File{Path: "zz/plant-notes.txt", Data: []byte("shift notes: plant-update-7 applied on press 4\n"),
		Verdict: "clean", Why: "only the imported bundle's rule flags it; this session started before the import"}
	big := s.bigImage(marker)
	marker.Verdict, marker.Why = "infected", "the imported bundle's rule flags it"
	next := s.newImage("next", true, volume{fs: "ext4", label: "NEXT", mib: 16, files: []corpus.File{marker,
		{Path: "readme.txt", Data: []byte("press 4 maintenance schedule\n"), Verdict: "clean", Why: "a text file"}}})

	// The admin's bundle, built and signed offline with the CLI.
	rule := filepath.Join(s.dir, "plant.yar")
	if err := os.WriteFile(rule, []byte("rule Plant_Update_Marker { strings: $a = \"plant-update-7\" condition: $a }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tarPath := filepath.Join(s.dir, "plant-rules.tar")
	if out, code := s.cli("rules", "build", "--name", "plant-rules", "--version", "5", "--yara", rule, "--out", tarPath); code != 0 {
		t.Fatalf("sluice rules build: exit %d\n%s", code, out)
	}
	if out, code := s.cli("rules", "sign", "--key", adminKey+".key", tarPath); code != 0 {
		t.Fatalf("sluice rules sign: exit %d\n%s", code, out)
	}
	s.start()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	before, err := s.client.Status(ctx)
	if err != nil || before.Rules.Name != api.RulesConfigured || before.Rules.Version == "" {
		t.Fatalf("status rules before the import = %+v, %v, want the configured rules", before.Rules, err)
	}
	old := before.Rules.Version

	from := s.events.mark()
	d := s.attach(big)
	id := s.awaitSession(d.dev, &from)
	s.awaitProgress(id, &from, 1)
	if out, code := s.cli("rules", "import", "--socket", s.socket, tarPath); code != 0 || !strings.Contains(out, "plant-rules") {
		t.Fatalf("sluice rules import during session %s: exit %d\n%s", id, code, out)
	}
	st, err := s.client.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rules.Name != "plant-rules" || st.Rules.Version != "5" {
		t.Errorf("status rules after the import = %+v, want plant-rules version 5", st.Rules)
	}
	cur := st.Current
	if cur == nil || cur.ID != id || cur.State != api.Scanning || cur.Progress.FilesDone >= cur.Progress.FilesTotal {
		t.Fatalf("session %s after the import: %+v; the import came too late to test anything", id, cur)
	}
	t.Logf("imported at %d/%d files", cur.Progress.FilesDone, cur.Progress.FilesTotal)
	if cur.RulesVersion != old {
		t.Errorf("running session's rules version after the import = %q, want %q, those it started with", cur.RulesVersion, old)
	}

	end := s.awaitState(id, final, &from, 120*time.Second)
	s.checkDone(end.s, expected(big.vols))
	s.checkRules(end.s, api.RulesConfigured, old)
	d.detach(t)
	d.awaitGone(t)

	_, after := s.runSession(next)
	s.checkDone(after, expected(next.vols))
	s.checkRules(after, "plant-rules", "5")
	rec, err := s.client.Session(ctx, after.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rec.Files {
		if f.Path == marker.Path && !strings.Contains(f.Cause, "Plant_Update_Marker") {
			t.Errorf("%s is %s by %q, want the bundle's rule Plant_Update_Marker", f.Path, f.Verdict, f.Cause)
		}
	}
}

// trustRuleKey makes an admin key pair and adds its public key to the
// station's trusted_rule_keys. It returns the key files' prefix.
func (s *station) trustRuleKey() string {
	s.t.Helper()
	key := filepath.Join(s.dir, "admin")
	if err := transfer.GenerateKeyFiles(key); err != nil {
		s.t.Fatal(err)
	}
	cfg, err := os.ReadFile(s.config)
	if err != nil {
		s.t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("accept_loop_devices"), []byte("trusted_rule_keys = [\""+key+".pub\"]\naccept_loop_devices"), 1)
	if err := os.WriteFile(s.config, cfg, 0o600); err != nil {
		s.t.Fatal(err)
	}
	return key
}

// checkRules checks that a done session names the rules it scanned with,
// in its record and in its transfer's signed manifest.
func (s *station) checkRules(end api.Session, name, version string) {
	t := s.t
	t.Helper()
	if end.RulesVersion != version {
		t.Errorf("session %s ended with rules version %q, want %q", end.ID, end.RulesVersion, version)
	}
	rec, err := s.client.Session(context.Background(), end.ID)
	if err != nil || rec.RulesVersion != version {
		t.Errorf("recorded session %s: rules version %q (%v), want %q", end.ID, rec.RulesVersion, err, version)
	}
	m, _, err := transfer.Verify(end.TransferPath, []minisign.PublicKey{s.pub}, transfer.VerifyOptions{})
	if err != nil {
		t.Fatalf("transfer.Verify(%s): %v", end.TransferPath, err)
	}
	if want := (transfer.Component{Name: name, Version: version}); !slices.Contains(m.Rules, want) {
		t.Errorf("manifest of session %s names rules %+v, want %+v", end.ID, m.Rules, want)
	}
}
