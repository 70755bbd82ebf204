package kiosk

import (
	"context"

	"github.com/sluice-ot/sluice/kiosk/api"
)

// Recorder keeps the station's record of sessions: the history database,
// the audit log and syslog. The station calls it at each step and reads
// past sessions back from it for the API.
type Recorder interface {
	// SessionStarted records a new session.
	SessionStarted(ctx context.Context, s api.Session) error
	// SessionFiles adds verdicts to a running session, in batches.
	SessionFiles(ctx context.Context, id string, files []api.File) error
	// SessionEnded records how a session ended.
	SessionEnded(ctx context.Context, s api.Session) error
	// Sessions lists the latest sessions, newest first.
	Sessions(ctx context.Context, limit int) ([]api.Session, error)
	// Session returns one session with its files.
	Session(ctx context.Context, id string) (*api.SessionDetail, error)
}
