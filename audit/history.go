package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // pure-Go driver "sqlite"
)

// Session states. done, failed, aborted and interrupted are final.
const (
	StateDetected    = "detected"
	StateMounting    = "mounting"
	StateScanning    = "scanning"
	StatePublishing  = "publishing"
	StateDone        = "done"
	StateFailed      = "failed"
	StateAborted     = "aborted"
	StateInterrupted = "interrupted"
)

// ErrNoSession is returned for an unknown session id.
var ErrNoSession = errors.New("no such session")

// Device identifies the drive of a session.
type Device struct {
	Vendor, Model, Serial, Bus string
	Size                       int64
}

// Partition is one filesystem of a session's drive; Error says why it
// could not be mounted, empty when it was scanned.
type Partition struct {
	Name   string `json:"name"`
	FSType string `json:"fs_type,omitempty"`
	Label  string `json:"label,omitempty"`
	UUID   string `json:"uuid,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Session is one drive's visit to the station.
type Session struct {
	ID, Station, State, Reason, Operator string
	Device                               Device
	Filesystems                          string // summary, e.g. "sdb1 vfat 7.5G"
	Started, Ended                       time.Time
	Files, Bytes                         int64
	Clean, Infected, Blocked, Errors     int64
	TransferID, TransferPath             string
	RulesVersion                         string
	EngineVersions                       map[string]string
	// Detail is admin text on how the session ended (errno text, paths);
	// Partitions are the drive's filesystems and what became of each.
	Detail     string
	Partitions []Partition
}

// Duration is Ended-Started, or 0 while the session runs.
func (s *Session) Duration() time.Duration {
	if s.Ended.IsZero() {
		return 0
	}
	return s.Ended.Sub(s.Started)
}

// FileRecord is the verdict on one file of a session.
type FileRecord struct {
	Path, SHA256, Type, Verdict string
	Size                        int64
	Reasons                     []string
	Findings                    json.RawMessage // engine findings as JSON, or nil
	// Cause is the scanner's stable "verdict:engine/rule" of a file that
	// is not clean; empty for clean files and in histories from before
	// it was kept.
	Cause string
}

// History is the session history database. It is safe for concurrent use.
type History struct{ db *sql.DB }

// OpenHistory opens or creates the database at path and migrates it to the
// current schema.
func OpenHistory(ctx context.Context, path string) (*History, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	return &History{db: db}, nil
}

// Close closes the database.
func (h *History) Close() error { return h.db.Close() }

const sessionCols = `id, station, state, reason, operator, dev_vendor, dev_model, dev_serial,
	dev_size, bus, filesystems, started, ended, files, bytes, clean, infected, blocked, errors,
	transfer_id, transfer_path, rules_version, engine_versions, duration_ms, detail, partitions`

// StartSession inserts s.
func (h *History) StartSession(ctx context.Context, s Session) error {
	args, err := sessionArgs(&s)
	if err != nil {
		return fmt.Errorf("start session %s: %w", s.ID, err)
	}
	_, err = h.db.ExecContext(ctx, `INSERT INTO sessions (`+sessionCols+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, args...)
	if err != nil {
		return fmt.Errorf("start session %s: %w", s.ID, err)
	}
	return nil
}

// UpdateSession applies fn to the stored session in one transaction.
func (h *History) UpdateSession(ctx context.Context, id string, fn func(*Session)) error {
	err := h.tx(ctx, func(tx *sql.Tx) error {
		s, err := scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = ?`, id))
		if err != nil {
			return err
		}
		fn(s)
		s.ID = id
		args, err := sessionArgs(s)
		if err != nil {
			return err
		}
		// UPDATE, not REPLACE: a REPLACE deletes the row and cascades to its files.
		_, err = tx.ExecContext(ctx, `UPDATE sessions SET (`+sessionCols+`)
			= (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) WHERE id = ?`, append(args, id)...)
		return err
	})
	if err != nil {
		return fmt.Errorf("update session %s: %w", id, err)
	}
	return nil
}

// Outcome is how a session ended.
type Outcome struct {
	State, Reason                    string // a final state
	Ended                            time.Time
	Files, Bytes                     int64
	Clean, Infected, Blocked, Errors int64
	TransferID, TransferPath         string
	Detail                           string
	Partitions                       []Partition // as they ended; nil keeps those recorded at the start
}

// FinishSession records the outcome of session id.
func (h *History) FinishSession(ctx context.Context, id string, o Outcome) error {
	return h.UpdateSession(ctx, id, func(s *Session) {
		s.State, s.Reason, s.Ended = o.State, o.Reason, o.Ended
		s.Files, s.Bytes, s.Clean, s.Infected, s.Blocked, s.Errors = o.Files, o.Bytes, o.Clean, o.Infected, o.Blocked, o.Errors
		s.TransferID, s.TransferPath, s.Detail = o.TransferID, o.TransferPath, o.Detail
		if o.Partitions != nil {
			s.Partitions = o.Partitions
		}
	})
}

// AddFiles stores records for session id in one transaction.
func (h *History) AddFiles(ctx context.Context, id string, files []FileRecord) error {
	err := h.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO session_files
			(session_id, path, size, sha256, type, verdict, reasons, findings, cause) VALUES (?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, f := range files {
			reasons, _ := json.Marshal(f.Reasons)
			findings := f.Findings
			if len(findings) == 0 {
				findings = json.RawMessage("null")
			}
			if _, err := st.ExecContext(ctx, id, f.Path, f.Size, f.SHA256, f.Type, f.Verdict,
				string(reasons), string(findings), f.Cause); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add files to session %s: %w", id, err)
	}
	return nil
}

// Sessions lists sessions, newest first.
func (h *History) Sessions(ctx context.Context, limit, offset int) ([]Session, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions
		ORDER BY started DESC, id LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		out = append(out, *s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// Session returns one session and its files in the order they were added.
func (h *History) Session(ctx context.Context, id string) (*Session, []FileRecord, error) {
	s, err := scanSession(h.db.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = ?`, id))
	if err != nil {
		return nil, nil, fmt.Errorf("session %s: %w", id, err)
	}
	rows, err := h.db.QueryContext(ctx, `SELECT path, size, sha256, type, verdict, reasons, findings, cause
		FROM session_files WHERE session_id = ? ORDER BY rowid`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("session %s files: %w", id, err)
	}
	defer rows.Close()
	var files []FileRecord
	for rows.Next() {
		var f FileRecord
		var reasons, findings string
		if err := rows.Scan(&f.Path, &f.Size, &f.SHA256, &f.Type, &f.Verdict, &reasons, &findings, &f.Cause); err != nil {
			return nil, nil, fmt.Errorf("session %s files: %w", id, err)
		}
		json.Unmarshal([]byte(reasons), &f.Reasons)
		if findings != "null" {
			f.Findings = json.RawMessage(findings)
		}
		files = append(files, f)
	}
	return s, files, rows.Err()
}

// MarkInterrupted marks every session in a non-final state as interrupted
// and returns their ids. The daemon calls it at start: such sessions were
// cut short by a crash or kill. Their end time stays unknown (zero).
func (h *History) MarkInterrupted(ctx context.Context) ([]string, error) {
	var ids []string
	err := h.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE sessions
			SET state = 'interrupted', reason = 'the station stopped before the session finished'
			WHERE state NOT IN ('done', 'failed', 'aborted', 'interrupted') RETURNING id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("mark interrupted sessions: %w", err)
	}
	return ids, nil
}

func (h *History) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
