package kiosk

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sluice-ot/sluice/audit"
	"github.com/sluice-ot/sluice/kiosk/api"
)

// AuditRecorder keeps the record in package audit's stores: the session
// history (SQLite), the hash-chained audit log and, when configured,
// syslog. It implements Recorder.
type AuditRecorder struct {
	History *audit.History
	Log     *audit.Log
	Syslog  *audit.Syslog // nil: no forwarding
	Station string
	// Engines are written with every session; the rules version comes
	// from each session, which keeps the rules it started with.
	Engines map[string]string
}

var _ Recorder = (*AuditRecorder)(nil)

// SessionStarted implements Recorder.
func (r *AuditRecorder) SessionStarted(ctx context.Context, s api.Session) error {
	err := r.History.StartSession(ctx, r.toAudit(s))
	return errors.Join(err, r.Log.Append("session.start", map[string]any{
		"session": s.ID, "device": s.Device, "operator": s.Operator,
	}))
}

// SessionFiles implements Recorder.
func (r *AuditRecorder) SessionFiles(ctx context.Context, id string, files []api.File) error {
	recs := make([]audit.FileRecord, len(files))
	for i, f := range files {
		recs[i] = audit.FileRecord{Path: f.Path, SHA256: f.SHA256, Type: f.Type, Verdict: f.Verdict, Size: f.Size, Reasons: f.Reasons, Cause: f.Cause}
	}
	return r.History.AddFiles(ctx, id, recs)
}

// SessionEnded implements Recorder: the history, one audit line (a
// refusal is its own event type, for the auditors), and syslog.
func (r *AuditRecorder) SessionEnded(ctx context.Context, s api.Session) error {
	as := r.toAudit(s)
	err := r.History.FinishSession(ctx, s.ID, audit.Outcome{
		State: as.State, Reason: as.Reason, Ended: as.Ended,
		Files: as.Files, Bytes: as.Bytes, Clean: as.Clean, Infected: as.Infected, Blocked: as.Blocked, Errors: as.Errors,
		TransferID: as.TransferID, TransferPath: as.TransferPath,
		Detail: as.Detail, Partitions: as.Partitions,
	})
	typ := "session.end"
	if s.Reason == api.ReasonRefused {
		typ = "device.refused"
	}
	err = errors.Join(err, r.Log.Append(typ, map[string]any{
		"session": s.ID, "state": s.State, "reason": s.Reason, "detail": s.Detail, "device": s.Device,
		"operator": s.Operator, "counts": s.Counts, "transfer": s.TransferID, "rules": s.RulesVersion,
	}))
	if r.Syslog != nil {
		r.Syslog.Send(audit.SessionEvent(&as))
	}
	return err
}

// Sessions implements Recorder.
func (r *AuditRecorder) Sessions(ctx context.Context, limit int) ([]api.Session, error) {
	ss, err := r.History.Sessions(ctx, limit, 0)
	if err != nil {
		return nil, err
	}
	out := make([]api.Session, 0, len(ss))
	for i := range ss {
		out = append(out, fromAudit(&ss[i]))
	}
	return out, nil
}

// Session implements Recorder.
func (r *AuditRecorder) Session(ctx context.Context, id string) (*api.SessionDetail, error) {
	s, files, err := r.History.Session(ctx, id)
	if errors.Is(err, audit.ErrNoSession) {
		return nil, fmt.Errorf("%w: %s", api.ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	d := &api.SessionDetail{Session: fromAudit(s), Files: make([]api.File, 0, len(files))}
	for _, f := range files {
		reasons := f.Reasons
		if reasons == nil {
			reasons = []string{}
		}
		d.Files = append(d.Files, api.File{Path: f.Path, Size: f.Size, SHA256: f.SHA256, Type: f.Type, Verdict: f.Verdict, Reasons: reasons, Cause: f.Cause})
	}
	return d, nil
}

func (r *AuditRecorder) toAudit(s api.Session) audit.Session {
	var fs []string
	parts := []audit.Partition{}
	for _, p := range s.Device.Partitions {
		fs = append(fs, p.Name+" "+p.FSType)
		parts = append(parts, audit.Partition(p))
	}
	return audit.Session{
		ID: s.ID, Station: r.Station, State: string(s.State), Reason: s.Reason, Operator: s.Operator,
		Device:      audit.Device{Vendor: s.Device.Vendor, Model: s.Device.Model, Serial: s.Device.Serial, Bus: s.Device.Bus, Size: s.Device.Size},
		Filesystems: strings.Join(fs, ", "),
		Started:     s.Started, Ended: s.Ended,
		Files: int64(s.Progress.FilesDone), Bytes: s.Progress.BytesDone,
		Clean: int64(s.Counts.Clean), Infected: int64(s.Counts.Infected), Blocked: int64(s.Counts.Blocked), Errors: int64(s.Counts.Error),
		TransferID: s.TransferID, TransferPath: s.TransferPath,
		RulesVersion: s.RulesVersion, EngineVersions: r.Engines,
		Detail: s.Detail, Partitions: parts,
	}
}

func fromAudit(s *audit.Session) api.Session {
	parts := make([]api.Partition, len(s.Partitions))
	for i, p := range s.Partitions {
		parts[i] = api.Partition(p)
	}
	return api.Session{
		ID: s.ID, State: api.State(s.State), Reason: s.Reason, Detail: s.Detail, Operator: s.Operator,
		Device:  api.Device{Bus: s.Device.Bus, Vendor: s.Device.Vendor, Model: s.Device.Model, Serial: s.Device.Serial, Size: s.Device.Size, Partitions: parts},
		Started: s.Started, Ended: s.Ended,
		Progress:   api.Progress{FilesDone: int(s.Files), FilesTotal: int(s.Files), BytesDone: s.Bytes, BytesTotal: s.Bytes},
		Counts:     api.Counts{Clean: int(s.Clean), Infected: int(s.Infected), Blocked: int(s.Blocked), Error: int(s.Errors)},
		TransferID: s.TransferID, TransferPath: s.TransferPath, RulesVersion: s.RulesVersion,
	}
}
