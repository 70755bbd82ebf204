package audit

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A history written before causes were kept opens with its files intact
// and their cause empty; files added after keep theirs.
func TestHistoryMigrateCause(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		migrations[0],
		`INSERT INTO schema_version VALUES (1)`,
		`INSERT INTO sessions (id, station, state, started) VALUES ('old', 'st', 'done', '2025-03-01T12:00:00.000000000Z')`,
		`INSERT INTO session_files (session_id, path, size, sha256, type, verdict, reasons, findings)
			VALUES ('old', 'b.exe', 9, 'cd', 'pe', 'infected', '["yara:X"]', 'null')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("schema 1 database: %v", err)
		}
	}
	db.Close()

	h, err := OpenHistory(ctx, path)
	if err != nil {
		t.Fatalf("OpenHistory(schema 1) = %v", err)
	}
	defer h.Close()
	var v int
	if err := h.db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v); err != nil || v != len(migrations) {
		t.Errorf("schema version = %d, %v, want %d", v, err, len(migrations))
	}
	added := FileRecord{Path: "c.docm", Size: 4, SHA256: "ef", Type: "docm", Verdict: "blocked", Reasons: []string{"macro"}, Cause: "blocked:policy/macro"}
	if err := h.AddFiles(ctx, "old", []FileRecord{added}); err != nil {
		t.Fatal(err)
	}
	_, files, err := h.Session(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	want := []FileRecord{
		{Path: "b.exe", Size: 9, SHA256: "cd", Type: "pe", Verdict: "infected", Reasons: []string{"yara:X"}},
		added,
	}
	if d := cmp.Diff(want, files); d != "" {
		t.Errorf("Session(old) files after migration (-want +got):\n%s", d)
	}
	s, _, err := h.Session(ctx, "old")
	if err != nil || s.Detail != "" || len(s.Partitions) != 0 {
		t.Errorf("Session(old) after migration = %+v, %v; want no detail and no partitions", s, err)
	}
}
