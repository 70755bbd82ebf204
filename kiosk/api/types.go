// Package api is the station daemon's local API: HTTP/JSON on a unix
// socket, with a server-sent-events stream for live progress. It holds the
// wire types, the server (over a Station the daemon provides) and the Go
// client the CLI and the touchscreen UI use. It imports no cgo and no
// engine, so clients stay small.
package api

import "time"

// State is where a session is in its life.
type State string

const (
	Detected   State = "detected"
	Mounting   State = "mounting"
	Scanning   State = "scanning"
	Publishing State = "publishing"
	// Updating: an admin's update drive is importing rule bundles.
	Updating State = "updating"
	Done     State = "done"
	Failed   State = "failed"
	Aborted  State = "aborted"
	// Interrupted marks a session the daemon was stopped or killed in.
	Interrupted State = "interrupted"
)

// Final reports whether the session is over.
func (s State) Final() bool {
	switch s {
	case Done, Failed, Aborted, Interrupted:
		return true
	}
	return false
}

// Reason codes say why a session failed or was aborted, for the UI to
// put in the operator's words. Details for admins go in Session.Detail.
//
// Session.Detail, Partition.Error, Destination.Problem and File.Reasons
// are admin text: they may hold paths, errno text and engine messages.
// The touchscreen shows its own words for the codes and states, never
// these fields.
const (
	ReasonRefused         = "refused"          // the device is not only storage (BadUSB)
	ReasonUnreadable      = "unreadable"       // no partition could be mounted
	ReasonRemoved         = "removed"          // the drive was pulled out mid-session
	ReasonCancelled       = "cancelled"        // cancelled through the API
	ReasonDestinationFull = "destination-full" // the transfer share is full
	ReasonDestination     = "destination"      // the transfer share is unusable
	ReasonInternal        = "internal"         // the station failed; see the log
	ReasonStopped         = "stopped"          // the daemon stopped during the session
	ReasonUpdate          = "update"           // an update drive: rule bundles imported, nothing scanned
)

// Device identifies the drive of a session.
type Device struct {
	Device     string      `json:"device"`
	Bus        string      `json:"bus"`
	Vendor     string      `json:"vendor,omitempty"`
	Model      string      `json:"model,omitempty"`
	Serial     string      `json:"serial,omitempty"`
	Size       int64       `json:"size"`
	Partitions []Partition `json:"partitions"`
}

// Partition is one filesystem of the drive and what became of it.
type Partition struct {
	Name   string `json:"name"`
	FSType string `json:"fs_type,omitempty"`
	Label  string `json:"label,omitempty"`
	UUID   string `json:"uuid,omitempty"`
	// Error says why it could not be mounted; empty when it was scanned.
	Error string `json:"error,omitempty"`
}

// Counts holds the files per verdict.
type Counts struct {
	Clean    int `json:"clean"`
	Infected int `json:"infected"`
	Blocked  int `json:"blocked"`
	Error    int `json:"error"`
}

// Progress is a session's scan progress.
type Progress struct {
	FilesDone  int     `json:"files_done"`
	FilesTotal int     `json:"files_total"`
	BytesDone  int64   `json:"bytes_done"`
	BytesTotal int64   `json:"bytes_total"`
	Current    string  `json:"current,omitempty"`
	ETASeconds float64 `json:"eta_seconds"`
}

// Session is one drive's visit to the station.
type Session struct {
	ID       string    `json:"id"`
	State    State     `json:"state"`
	Reason   string    `json:"reason,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	Operator string    `json:"operator,omitempty"`
	Device   Device    `json:"device"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended,omitzero"`
	Progress Progress  `json:"progress"`
	Counts   Counts    `json:"counts"`
	// RulesVersion names the signatures the session was scanned with.
	RulesVersion string `json:"rules_version,omitempty"`
	// TransferID and TransferPath name the published transfer, if any.
	TransferID   string `json:"transfer_id,omitempty"`
	TransferPath string `json:"transfer_path,omitempty"`
}

// File is the verdict on one file of a session.
type File struct {
	Path    string   `json:"path"`
	Size    int64    `json:"size"`
	SHA256  string   `json:"sha256,omitempty"`
	Type    string   `json:"type,omitempty"`
	Verdict string   `json:"verdict"`
	Reasons []string `json:"reasons"`
	// Cause is the scanner's stable code for a file that is not clean:
	// "verdict:engine/rule" (e.g. "blocked:policy/macro",
	// "infected:yara/EICAR"), or the bare verdict when no engine gave
	// one. Unlike Reasons, its shape is stable, so the touchscreen maps
	// it to the operator's words. Empty for clean files, and for files
	// recorded before the station kept it.
	Cause string `json:"cause,omitempty"`
}

// SessionDetail is a session with its per-file verdicts.
type SessionDetail struct {
	Session
	Files []File `json:"files"`
}

// RulesConfigured is the Rules.Name of the rules the daemon builds from
// its config (built-in rules, configured files and lists) while no signed
// bundle is installed. Their Version is a digest of the sources.
const RulesConfigured = "configured rules"

// Rules describes the active signatures.
type Rules struct {
	Name    string    `json:"name"`
	Version string    `json:"version"`
	Count   int       `json:"count"`
	Created time.Time `json:"created,omitzero"`
	// AgeDays is whole days since Created, at the time of the status.
	AgeDays int  `json:"age_days"`
	Stale   bool `json:"stale"`
}

// Destination is the transfer share's state.
type Destination struct {
	Path       string `json:"path"`
	OK         bool   `json:"ok"`
	Problem    string `json:"problem,omitempty"`
	FreeBytes  int64  `json:"free_bytes"`
	TotalBytes int64  `json:"total_bytes"`
}

// Status is the station at a glance.
type Status struct {
	StationID string   `json:"station_id"`
	Version   string   `json:"version"`
	State     string   `json:"state"` // "idle" or "busy"
	Current   *Session `json:"current,omitempty"`
	// Ended is the last session to end, while its drive is still
	// inserted: cleared when the drive is removed (with an EventRemoved)
	// or when the next session starts. State stays "idle" and Current nil
	// once a session has ended; Ended is what the touchscreen keeps its
	// result up by.
	Ended       *Session    `json:"ended,omitempty"`
	Waiting     int         `json:"waiting"` // drives queued behind the current one
	Operator    string      `json:"operator,omitempty"`
	Rules       Rules       `json:"rules"`
	Destination Destination `json:"destination"`
	// OperatorPrompt is how the touchscreen asks who brings the drive
	// before a session (config operator_prompt): one of the
	// OperatorPrompt* modes. Clients treat empty (an older daemon) as
	// OperatorPromptNone.
	OperatorPrompt string `json:"operator_prompt,omitempty"`
}

// Operator identification modes of Status.OperatorPrompt.
const (
	OperatorPromptNone  = "none"  // no identification asked
	OperatorPromptBadge = "badge" // a badge number, on a numeric keypad
	OperatorPromptName  = "name"  // a name, on a letter keyboard
)

// Event types of the stream, besides the first "status".
const (
	EventState    = "state"    // a session changed state, or ended
	EventProgress = "progress" // a session's scan progress
	// EventRemoved: the drive of Status.Ended was removed; Session is
	// that ended session. Clients that don't know it ignore it.
	EventRemoved = "removed"
)

// Event is one message of the event stream.
type Event struct {
	// Type is one of the Event* types.
	Type    string   `json:"type"`
	Session *Session `json:"session"`
}

// Error is the body of every error response.
type Error struct {
	Error string `json:"error"`
}
