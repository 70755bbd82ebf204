package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// migrations[i] moves the schema from version i to i+1. Append only.
var migrations = []string{
	`CREATE TABLE sessions (
		id TEXT PRIMARY KEY,
		station TEXT NOT NULL,
		state TEXT NOT NULL CHECK (state IN ('detected','mounting','scanning','publishing',
			'done','failed','aborted','interrupted')),
		reason TEXT NOT NULL DEFAULT '',
		operator TEXT NOT NULL DEFAULT '',
		dev_vendor TEXT NOT NULL DEFAULT '',
		dev_model TEXT NOT NULL DEFAULT '',
		dev_serial TEXT NOT NULL DEFAULT '',
		dev_size INTEGER NOT NULL DEFAULT 0,
		bus TEXT NOT NULL DEFAULT '',
		filesystems TEXT NOT NULL DEFAULT '',
		started TEXT NOT NULL,           -- RFC 3339 UTC
		ended TEXT,                      -- NULL while running or if interrupted
		files INTEGER NOT NULL DEFAULT 0,
		bytes INTEGER NOT NULL DEFAULT 0,
		clean INTEGER NOT NULL DEFAULT 0,
		infected INTEGER NOT NULL DEFAULT 0,
		blocked INTEGER NOT NULL DEFAULT 0,
		errors INTEGER NOT NULL DEFAULT 0,
		transfer_id TEXT NOT NULL DEFAULT '',
		transfer_path TEXT NOT NULL DEFAULT '',
		rules_version TEXT NOT NULL DEFAULT '',
		engine_versions TEXT NOT NULL DEFAULT '{}', -- JSON object engine -> version
		duration_ms INTEGER
	);
	CREATE INDEX sessions_started ON sessions (started);
	CREATE INDEX sessions_state ON sessions (state);
	CREATE TABLE session_files (
		session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
		path TEXT NOT NULL,
		size INTEGER NOT NULL,
		sha256 TEXT NOT NULL,
		type TEXT NOT NULL,
		verdict TEXT NOT NULL,
		reasons TEXT NOT NULL,   -- JSON array of strings
		findings TEXT NOT NULL   -- JSON, engine findings
	);
	CREATE INDEX session_files_session ON session_files (session_id);`,
	// 1 → 2: the scanner's stable cause ("verdict:engine/rule") of each
	// file that is not clean; files recorded before keep ''.
	`ALTER TABLE session_files ADD COLUMN cause TEXT NOT NULL DEFAULT '';`,
	// 2 → 3: the admin detail of how a session ended, and each partition
	// with why it could not be mounted; sessions recorded before keep ''
	// and [].
	`ALTER TABLE sessions ADD COLUMN detail TEXT NOT NULL DEFAULT '';
	ALTER TABLE sessions ADD COLUMN partitions TEXT NOT NULL DEFAULT '[]';`,
}

func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var v int
		err = tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v)
		if err == nil && v > len(migrations) {
			err = fmt.Errorf("schema version %d is newer than this program (%d)", v, len(migrations))
		}
		if err == nil && v == len(migrations) {
			return tx.Rollback()
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, migrations[v])
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM schema_version`)
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_version VALUES (?)`, v+1)
		}
		if err == nil {
			err = tx.Commit()
		}
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to schema %d: %w", v+1, err)
		}
	}
}

// timeFormat is fixed-width so that stored times sort as text.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

type rowScanner interface{ Scan(dest ...any) error }

func scanSession(r rowScanner) (*Session, error) {
	var s Session
	var started, engines, partitions string
	var ended sql.NullString
	var dur sql.NullInt64
	err := r.Scan(&s.ID, &s.Station, &s.State, &s.Reason, &s.Operator, &s.Device.Vendor,
		&s.Device.Model, &s.Device.Serial, &s.Device.Size, &s.Device.Bus, &s.Filesystems,
		&started, &ended, &s.Files, &s.Bytes, &s.Clean, &s.Infected, &s.Blocked, &s.Errors,
		&s.TransferID, &s.TransferPath, &s.RulesVersion, &engines, &dur, &s.Detail, &partitions)
	if err == sql.ErrNoRows {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	s.Started, _ = time.Parse(timeFormat, started)
	if ended.Valid {
		s.Ended, _ = time.Parse(timeFormat, ended.String)
	}
	json.Unmarshal([]byte(engines), &s.EngineVersions)
	if partitions != "[]" {
		json.Unmarshal([]byte(partitions), &s.Partitions)
	}
	return &s, nil
}

func sessionArgs(s *Session) ([]any, error) {
	engines, err := json.Marshal(s.EngineVersions)
	if err != nil || s.EngineVersions == nil {
		engines = []byte("{}")
	}
	partitions, err := json.Marshal(s.Partitions)
	if err != nil || s.Partitions == nil {
		partitions = []byte("[]")
	}
	var ended, dur any
	if !s.Ended.IsZero() {
		ended = s.Ended.UTC().Format(timeFormat)
		dur = s.Duration().Milliseconds()
	}
	return []any{s.ID, s.Station, s.State, s.Reason, s.Operator, s.Device.Vendor, s.Device.Model,
		s.Device.Serial, s.Device.Size, s.Device.Bus, s.Filesystems,
		s.Started.UTC().Format(timeFormat), ended, s.Files, s.Bytes, s.Clean, s.Infected,
		s.Blocked, s.Errors, s.TransferID, s.TransferPath, s.RulesVersion, string(engines), dur,
		s.Detail, string(partitions)}, nil
}
