package audit

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Forward makes the log hand every line appended from now on to fn, as
// an AUDIT event carrying the line's type, seq and chain hash: a SIEM
// that keeps them holds an anchor for every line, so lines removed from
// the end of the station's log show (see VerifyAnchor). fn runs under
// the log's lock, in append order, and must not block: Syslog.Send only
// queues. Secrets never reach the log, so none reach fn.
func (l *Log) Forward(fn func(Event)) {
	l.mu.Lock()
	l.forward = fn
	l.mu.Unlock()
}

// AuditEvent is the syslog form of one audit line. A failed admin
// login, a lockout, a refused device, and a line whose data says it
// failed or was refused are warnings; any other line is a notice.
func AuditEvent(typ string, seq int64, hash string, data json.RawMessage) Event {
	sev := SevNotice
	var d struct {
		Result string `json:"result"`
	}
	json.Unmarshal(data, &d)
	switch {
	case strings.HasSuffix(typ, "_failed"), strings.HasSuffix(typ, "locked_out"), typ == "device.refused",
		d.Result == "failed", d.Result == "refused":
		sev = SevWarning
	}
	return Event{MsgID: "AUDIT", Severity: sev, Params: []Param{
		{Name: "type", Value: typ}, {Name: "seq", Value: strconv.FormatInt(seq, 10)}, {Name: "hash", Value: hash},
	}, Msg: string(data)}
}
