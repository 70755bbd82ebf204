package audit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-ot/sluice/audit/syslog"
)

// The station's syslog forwarding is package syslog's; these names keep
// the station's callers short.
type (
	Event         = syslog.Event
	Param         = syslog.Param
	Severity      = syslog.Severity
	Syslog        = syslog.Forwarder
	SyslogOptions = syslog.Options
)

// Severities used by the station.
const (
	SevAlert   = syslog.SevAlert
	SevWarning = syslog.SevWarning
	SevNotice  = syslog.SevNotice
	SevInfo    = syslog.SevInfo
)

// SDID is the structured-data id of every message.
const SDID = syslog.SDID

// NewSyslog starts a forwarder; see syslog.New.
func NewSyslog(target string, opts SyslogOptions) (*Syslog, error) { return syslog.New(target, opts) }

// Format renders an event; see syslog.Format.
func Format(ev Event, hostname string, t time.Time) []byte { return syslog.Format(ev, hostname, t) }

// SessionEvent describes a finished session: warning if anything was
// infected, notice if something was blocked or it failed, info otherwise.
func SessionEvent(s *Session) Event {
	sev := SevInfo
	switch {
	case s.Infected > 0:
		sev = SevWarning
	case s.Blocked > 0 || s.Errors > 0 || s.State != StateDone:
		sev = SevNotice
	}
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	engines := make([]string, 0, len(s.EngineVersions))
	for name, v := range s.EngineVersions {
		engines = append(engines, name+" "+v)
	}
	slices.Sort(engines)
	return Event{MsgID: "SESSION", Severity: sev, Params: []Param{
		{Name: "station", Value: s.Station},
		{Name: "id", Value: s.ID}, {Name: "state", Value: s.State}, {Name: "reason", Value: s.Reason}, {Name: "operator", Value: s.Operator},
		{Name: "bus", Value: s.Device.Bus}, {Name: "vendor", Value: s.Device.Vendor}, {Name: "model", Value: s.Device.Model},
		{Name: "serial", Value: s.Device.Serial}, {Name: "size", Value: i(s.Device.Size)},
		{Name: "files", Value: i(s.Files)}, {Name: "bytes", Value: i(s.Bytes)}, {Name: "clean", Value: i(s.Clean)},
		{Name: "infected", Value: i(s.Infected)}, {Name: "blocked", Value: i(s.Blocked)}, {Name: "errors", Value: i(s.Errors)},
		{Name: "transfer", Value: s.TransferID}, {Name: "rules", Value: s.RulesVersion},
		{Name: "engines", Value: strings.Join(engines, ", ")},
		{Name: "duration_ms", Value: i(s.Duration().Milliseconds())},
	}, Msg: fmt.Sprintf("session %s %s: %d files, %d infected, %d blocked", s.ID, s.State, s.Files, s.Infected, s.Blocked)}
}

// AnchorEvent carries the audit log's head off the station; see Anchor.
func AnchorEvent(a Anchor) Event {
	return Event{MsgID: "ANCHOR", Severity: SevInfo, Params: []Param{
		{Name: "seq", Value: strconv.FormatInt(a.Seq, 10)}, {Name: "hash", Value: a.Hash}}, Msg: "audit log head"}
}
