package model

import (
	"math"
	"strings"

	"github.com/sluice-ot/sluice/kiosk/api"
)

// View is what the screen shows now.
func (m *Model) View() View {
	v := View{Language: m.lang, Screen: m.screen()}
	if m.status != nil {
		v.Strip = strip(m.status)
		v.Operator = m.status.Operator
	}
	switch v.Screen {
	case ScreenNotReady:
		v.NotReady = NotReadyView{Title: T("notready.title"), Line: T("notready.line")}
	case ScreenOperator:
		v.Prompt = m.promptView()
	case ScreenScanning:
		v.Scan = m.scanView()
	case ScreenResult, ScreenError:
		v.End = endView(m.sess, m.detail, m.detailErr)
	case ScreenUpdating:
		v.Update = updateView(m.sess, m.detail, m.detailErr)
	case ScreenAdminLogin:
		v.Login = m.loginView()
	case ScreenAdmin:
		v.Admin = m.adminView()
	}
	return v
}

func (m *Model) sessionRunning() bool { return m.sess != nil && !m.sess.State.Final() }

// screen decides the screen: the daemon gone first, then a running
// session, the admin, an ended session, the operator keypad, and idle.
func (m *Model) screen() Screen {
	switch {
	case !m.connected:
		return ScreenNotReady
	case m.sessionRunning() && m.sess.State == api.Updating:
		return ScreenUpdating
	case m.sessionRunning():
		return ScreenScanning
	case m.admin.login:
		return ScreenAdminLogin
	case m.admin.loggedIn() && !(m.sess != nil && m.sess.Reason == api.ReasonUpdate):
		return ScreenAdmin
	case m.sess != nil && m.sess.Reason == api.ReasonUpdate:
		return ScreenUpdating
	case m.sess != nil && isError(m.sess):
		return ScreenError
	case m.sess != nil:
		return ScreenResult
	case m.needsOperator():
		return ScreenOperator
	}
	return ScreenIdle
}

// noBundle says the daemon scans with its configured rules: no signed
// bundle is installed, and the version, a digest of the sources, means
// nothing to an operator.
func noBundle(r api.Rules) bool { return r.Name == api.RulesConfigured }

// destFull reports whether a destination that is not OK is so because it
// has no room left, rather than for another problem.
func destFull(d api.Destination) bool { return d.TotalBytes > 0 && d.FreeBytes == 0 }

func strip(st *api.Status) Strip {
	var s Strip
	r := st.Rules
	switch {
	case r.Version == "":
		s.Rules, s.RulesTone = T("strip.rules.none"), ToneWarn
	case noBundle(r):
		s.Rules, s.RulesTone = T("strip.rules.defaults"), ToneWarn
	case r.Stale:
		s.Rules, s.RulesTone = TN("strip.rules.stale", r.AgeDays).With("Version", r.Version), ToneWarn
	case r.AgeDays == 0:
		s.Rules, s.RulesTone = T("strip.rules.today").With("Version", r.Version), ToneGood
	default:
		s.Rules, s.RulesTone = TN("strip.rules.age", r.AgeDays).With("Version", r.Version), ToneGood
	}
	d := st.Destination
	switch {
	case d.OK:
		s.Destination, s.DestTone = T("strip.dest.ok"), ToneGood
	case destFull(d):
		s.Destination, s.DestTone = T("strip.dest.full"), ToneBad
		s.Warning = T("idle.warn.full")
	default:
		s.Destination, s.DestTone = T("strip.dest.problem"), ToneBad
		s.Warning = T("idle.warn.dest")
	}
	s.Station = T("strip.station").With("ID", st.StationID)
	return s
}

func (m *Model) promptView() PromptView {
	o := m.operator
	v := PromptView{Input: o.input, Sending: o.sending, Title: T("operator.badge")}
	if m.promptMode() == api.OperatorPromptName {
		v.Letters, v.Title = true, T("operator.name")
	}
	if o.failed {
		v.Error = T("operator.failed")
	}
	return v
}

func (m *Model) scanView() ScanView {
	s := m.sess
	p := s.Progress
	v := ScanView{Confirm: m.confirmCancel, Cancelling: m.cancelling}
	switch s.State {
	case api.Detected, api.Mounting:
		v.Phase, v.Indeterminate, v.CanCancel = T("scan.preparing"), true, true
	case api.Publishing:
		v.Phase, v.Fraction = T("scan.publishing"), 1
	default:
		v.Phase, v.CanCancel = T("scan.checking"), true
		switch {
		case p.BytesTotal > 0:
			v.Fraction = float64(p.BytesDone) / float64(p.BytesTotal)
		case p.FilesTotal > 0:
			v.Fraction = float64(p.FilesDone) / float64(p.FilesTotal)
		}
		v.Fraction = math.Min(math.Max(v.Fraction, 0), 1)
		v.Files = TN("scan.files", p.FilesTotal).With("Done", p.FilesDone)
		v.Current = Shorten(p.Current, 56)
		v.Clean = TN("scan.clean", s.Counts.Clean)
		v.Held = TN("scan.held", heldBack(s.Counts))
		v.ETA = eta(p.ETASeconds)
	}
	if m.status != nil && m.status.Waiting > 0 {
		v.Waiting = TN("scan.waiting", m.status.Waiting)
	}
	if v.Cancelling {
		v.CanCancel = false
	}
	v.Confirm = v.Confirm && v.CanCancel
	return v
}

// eta puts the time left in round words: a precise figure that jumps
// about reads worse than "about 3 minutes".
func eta(secs float64) Text {
	switch {
	case secs <= 0 || math.IsNaN(secs) || math.IsInf(secs, 0):
		return Text{}
	case secs < 60:
		return T("scan.eta.soon")
	case secs < 2*3600:
		return TN("scan.eta.minutes", int(math.Ceil(secs/60)))
	}
	return TN("scan.eta.hours", int(math.Round(secs/3600)))
}

func (m *Model) loginView() LoginView {
	a := m.admin
	v := LoginView{Step: T("login.pin"), Masked: strings.Repeat("●", len(a.pin)), Error: a.err, Sending: a.sending}
	if a.codeStep {
		v.Step, v.CodeNow, v.Masked = T("login.code"), true, a.code
	}
	return v
}
