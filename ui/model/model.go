// Package model is the touchscreen's view model: it turns the station
// daemon's status, events and answers into what each screen shows, and the
// operator's taps into requests to the daemon. It is pure Go (no fyne), so
// that every flow is tested by feeding it recorded events.
//
// A Model is not safe for concurrent use: the kiosk only touches it on
// fyne's UI goroutine. Inputs that need the daemon return Cmds, which the
// kiosk runs and whose answers it feeds back.
package model

import (
	"time"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/ui/catalog"
)

// Cmd is a request to the daemon the kiosk must make for the model.
type Cmd interface{ cmd() }

// Cmds the model returns.
type (
	// FetchDetail: the files of an ended session; answer with Detail.
	FetchDetail struct{ ID string }
	// CancelSession: answer with CancelDone.
	CancelSession struct{ ID string }
	// SetOperator: answer with OperatorDone.
	SetOperator struct{ Name string }
	// AdminLogin: answer with LoginDone.
	AdminLogin struct{ PIN, Code string }
	// AdminFetch: check the token is alive, then the rules and the recent
	// sessions; answer with AdminData.
	AdminFetch struct{ Token string }
	// AdminLogout: fire and forget.
	AdminLogout struct{ Token string }
)

func (FetchDetail) cmd()   {}
func (CancelSession) cmd() {}
func (SetOperator) cmd()   {}
func (AdminLogin) cmd()    {}
func (AdminFetch) cmd()    {}
func (AdminLogout) cmd()   {}

// Options tune a Model.
type Options struct {
	Language string
	// AdminIdle logs the admin out after this long without a touch.
	AdminIdle time.Duration
	// ResultHold is how long an ended session stays on screen when the
	// daemon does not keep it as Status.Ended (an older daemon, or a drive
	// pulled out as its session ended). A session the daemon keeps stays
	// until its drive is removed or Done is tapped; a next session
	// replaces either at once.
	ResultHold time.Duration
	Now        func() time.Time
	// Location is the zone of the times on the admin screen; the
	// station's local time by default.
	Location *time.Location
}

// Defaults of Options.
const (
	DefaultAdminIdle  = 2 * time.Minute
	DefaultResultHold = time.Minute
	// maxFiles bounds the files held back listed on the result screen.
	maxFiles = 200
)

// Model is the touchscreen's state.
type Model struct {
	opts Options
	lang string

	connected bool
	status    *api.Status

	// sess is the session on screen: running, or ended and not dismissed.
	sess    *api.Session
	endedAt time.Time
	// held is true when the daemon reported sess, ended, as its current
	// or ended session: then its disappearance means the drive left.
	held bool
	// endedFor is the session whose end was seen; gone, the last one
	// taken off the screen (session ids sort by time).
	endedFor, gone string
	detail         *api.SessionDetail
	detailErr      bool

	confirmCancel, cancelling bool

	operator operatorState
	admin    adminState
}

// New returns a model; it shows "not ready" until the first status.
func New(o Options) *Model {
	if o.AdminIdle <= 0 {
		o.AdminIdle = DefaultAdminIdle
	}
	if o.ResultHold <= 0 {
		o.ResultHold = DefaultResultHold
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Model{opts: o, lang: catalog.Default}
	m.SetLanguage(o.Language)
	return m
}

// Language is the language shown.
func (m *Model) Language() string { return m.lang }

// SetLanguage switches the language shown; an unknown one is ignored.
func (m *Model) SetLanguage(lang string) {
	if catalog.Supported(lang) {
		m.lang = lang
	}
	m.touchAdmin()
}

// Unreachable records that the daemon did not answer. The screen says the
// station is not ready until a status arrives.
func (m *Model) Unreachable() {
	m.connected = false
	m.confirmCancel = false
}

// Connected reports whether the daemon answered last time.
func (m *Model) Connected() bool { return m.connected }

// Status takes the daemon's status, from a poll or the event stream's
// first event.
func (m *Model) Status(st *api.Status) []Cmd {
	if st == nil {
		return nil
	}
	m.connected = true
	m.status = st
	if st.Operator != "" {
		m.operator.sentFor = ""
	}
	// The daemon keeps a session as Current for a moment after it ends,
	// then as Ended while its drive is in: either way the result stays up
	// until the daemon lets it go.
	kept := st.Current
	if kept == nil {
		kept = st.Ended
	}
	if kept != nil {
		cmds := m.Session(kept)
		if m.sess != nil && m.sess.ID == kept.ID && m.sess.State.Final() {
			m.held = true
		}
		return cmds
	}
	if m.sess == nil {
		return nil
	}
	if !m.sess.State.Final() {
		// It ended while we were not listening, and its drive is gone:
		// its record says how.
		return []Cmd{FetchDetail{m.sess.ID}}
	}
	if m.held {
		// The daemon kept the ended session while its drive was in, and
		// now lets it go: the drive was pulled out (its "removed" event
		// was missed).
		m.dismiss()
	}
	return nil
}

// Event applies one message of the daemon's event stream.
func (m *Model) Event(typ string, data []byte) ([]Cmd, error) {
	switch typ {
	case "status":
		st, err := decodeStatus(data)
		if err != nil {
			return nil, err
		}
		return m.Status(st), nil
	case api.EventState, api.EventProgress:
		ev, err := decodeEvent(data)
		if err != nil {
			return nil, err
		}
		m.connected = true
		return m.Session(ev.Session), nil
	case api.EventRemoved:
		ev, err := decodeEvent(data)
		if err != nil {
			return nil, err
		}
		m.connected = true
		m.Removed(ev.Session)
		return nil, nil
	}
	return nil, nil // an event of a newer daemon
}

// Removed takes the daemon's word that the drive of the ended session s
// was removed: its result leaves the screen.
func (m *Model) Removed(s *api.Session) {
	if s != nil && m.sess != nil && m.sess.ID == s.ID {
		m.dismiss()
	}
}

// Session takes a snapshot of a session.
func (m *Model) Session(s *api.Session) []Cmd {
	if s == nil || s.ID <= m.gone {
		return nil // a session already taken off the screen
	}
	if m.sess != nil {
		switch {
		case s.ID < m.sess.ID:
			return nil // an older session, from a late answer
		case s.ID == m.sess.ID && m.sess.State.Final() && !s.State.Final():
			return nil // a late snapshot of a session already over
		}
	}
	c := *s
	if m.sess == nil || m.sess.ID != s.ID {
		m.detail, m.detailErr, m.held = nil, false, false
		m.confirmCancel, m.cancelling = false, false
		m.operator.reset()
		if c.State != api.Updating {
			m.admin.closeLogin()
		}
	}
	m.sess = &c
	if !c.State.Final() {
		return nil
	}
	m.confirmCancel, m.cancelling = false, false
	if m.endedFor == c.ID {
		return nil
	}
	m.endedAt, m.endedFor = m.opts.Now(), c.ID
	if m.needsFiles() && m.detail == nil {
		return []Cmd{FetchDetail{c.ID}}
	}
	return nil
}

// Detail takes the answer to FetchDetail: the session's end as recorded,
// with its files.
func (m *Model) Detail(d *api.SessionDetail, err error) []Cmd {
	if err != nil || d == nil {
		m.detailErr = true
		return nil
	}
	if m.sess == nil || m.sess.ID != d.ID {
		return nil
	}
	m.detail = d
	if !m.sess.State.Final() && d.State.Final() {
		s := d.Session
		return m.Session(&s)
	}
	return nil
}

// needsFiles reports whether the ended session's screen lists files.
func (m *Model) needsFiles() bool {
	s := m.sess
	if s.Reason == api.ReasonUpdate {
		return true
	}
	return s.State == api.Done && s.Counts.Blocked+s.Counts.Infected+s.Counts.Error > 0
}

// Dismiss takes the ended session off the screen (the Done button).
func (m *Model) Dismiss() {
	if m.sess != nil && m.sess.State.Final() {
		m.dismiss()
	}
}

func (m *Model) dismiss() {
	if m.sess != nil {
		m.gone = m.sess.ID
	}
	m.sess, m.detail, m.detailErr, m.held = nil, nil, false, false
	m.endedAt = time.Time{}
}

// Tick lets time pass: the result's hold, the admin's idle logout.
func (m *Model) Tick() []Cmd {
	now := m.opts.Now()
	if m.sess != nil && m.sess.State.Final() && !m.held && !m.daemonHasCurrent() && now.Sub(m.endedAt) >= m.opts.ResultHold {
		m.dismiss()
	}
	return m.admin.tick(now, m.opts.AdminIdle)
}

func (m *Model) daemonHasCurrent() bool {
	return m.status != nil && m.status.Current != nil && m.sess != nil && m.status.Current.ID == m.sess.ID
}

// AskCancel shows the cancel confirmation.
func (m *Model) AskCancel() {
	if m.sess != nil && !m.sess.State.Final() && !m.cancelling {
		m.confirmCancel = true
	}
}

// KeepScanning closes the cancel confirmation.
func (m *Model) KeepScanning() { m.confirmCancel = false }

// ConfirmCancel asks the daemon to cancel the running session.
func (m *Model) ConfirmCancel() []Cmd {
	if !m.confirmCancel || m.sess == nil || m.sess.State.Final() {
		return nil
	}
	m.confirmCancel, m.cancelling = false, true
	return []Cmd{CancelSession{m.sess.ID}}
}

// CancelDone takes the answer to CancelSession. A failure lets the
// operator try again; the session's end arrives as an event.
func (m *Model) CancelDone(err error) {
	if err != nil {
		m.cancelling = false
	}
}
