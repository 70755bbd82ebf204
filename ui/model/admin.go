package model

import (
	"errors"
	"time"

	"github.com/sluice-ot/sluice/kiosk/admin"
	"github.com/sluice-ot/sluice/kiosk/api"
)

// Lengths of the admin login's fields.
const (
	maxPIN  = 16
	codeLen = 6
	// recentSessions is how many sessions the admin screen lists.
	recentSessions = 50
)

// adminState is the admin mode: the login keypad, then the admin screen.
type adminState struct {
	login     bool // the login keypad is shown
	codeStep  bool // the TOTP step
	pin, code string
	sending   bool
	err       Text

	token     string
	lastTouch time.Time
	tab       AdminTab
	loading   bool
	loadErr   bool
	rules     *api.RulesList
	sessions  []api.Session
}

func (a *adminState) loggedIn() bool { return a.token != "" }

func (a *adminState) closeLogin() {
	if a.login {
		*a = adminState{}
	}
}

func (a *adminState) tick(now time.Time, idle time.Duration) []Cmd {
	if !a.login && !a.loggedIn() || now.Sub(a.lastTouch) < idle {
		return nil
	}
	return a.logout()
}

func (a *adminState) logout() []Cmd {
	tok := a.token
	*a = adminState{}
	if tok == "" {
		return nil
	}
	return []Cmd{AdminLogout{tok}}
}

func (m *Model) touchAdmin() { m.admin.lastTouch = m.opts.Now() }

// AdminOpen shows the login keypad (the discreet control).
func (m *Model) AdminOpen() {
	if m.admin.loggedIn() || m.sessionRunning() {
		return
	}
	m.admin = adminState{login: true}
	m.touchAdmin()
}

// AdminKey types a digit of the PIN or the code.
func (m *Model) AdminKey(r rune) {
	a := &m.admin
	m.touchAdmin()
	if !a.login || a.sending || r < '0' || r > '9' {
		return
	}
	a.err = Text{}
	switch {
	case a.codeStep && len(a.code) < codeLen:
		a.code += string(r)
	case !a.codeStep && len(a.pin) < maxPIN:
		a.pin += string(r)
	}
}

// AdminDelete removes the last digit typed.
func (m *Model) AdminDelete() {
	a := &m.admin
	m.touchAdmin()
	if a.sending {
		return
	}
	if a.codeStep && a.code != "" {
		a.code = a.code[:len(a.code)-1]
	} else if !a.codeStep && a.pin != "" {
		a.pin = a.pin[:len(a.pin)-1]
	}
}

// AdminNext goes from the PIN to the code, and sends the login after it.
func (m *Model) AdminNext() []Cmd {
	a := &m.admin
	m.touchAdmin()
	if !a.login || a.sending {
		return nil
	}
	if !a.codeStep {
		if a.pin != "" {
			a.codeStep, a.err = true, Text{}
		}
		return nil
	}
	if len(a.code) != codeLen {
		return nil
	}
	a.sending = true
	return []Cmd{AdminLogin{a.pin, a.code}}
}

// AdminBack goes from the code back to the PIN, and from the PIN out of
// admin mode.
func (m *Model) AdminBack() {
	a := &m.admin
	m.touchAdmin()
	if a.sending {
		return
	}
	if a.codeStep {
		a.codeStep, a.code = false, ""
		return
	}
	*a = adminState{}
}

// LoginDone takes the answer to AdminLogin.
func (m *Model) LoginDone(token string, err error) []Cmd {
	a := &m.admin
	if !a.login || !a.sending {
		return nil // given up meanwhile, or never asked
	}
	a.sending = false
	m.touchAdmin()
	if err != nil {
		a.pin, a.code, a.codeStep = "", "", false
		a.err = loginError(err)
		return nil
	}
	m.admin = adminState{token: token, loading: true, lastTouch: a.lastTouch}
	return []Cmd{AdminFetch{token}}
}

func loginError(err error) Text {
	var le *admin.LockoutError
	switch {
	case errors.As(err, &le):
		secs := int((le.Remaining + time.Second - 1) / time.Second)
		if secs >= 120 {
			return TN("login.locked.minutes", (secs+59)/60)
		}
		return TN("login.locked.seconds", max(secs, 1))
	case errors.Is(err, admin.ErrBadCredentials):
		return T("login.bad")
	case errors.Is(err, admin.ErrNotInitialized):
		return T("login.not_set_up")
	case errors.Is(err, api.ErrUnreachable):
		return T("login.unreachable")
	}
	return T("login.failed")
}

// AdminData takes the answer to AdminFetch.
func (m *Model) AdminData(rules *api.RulesList, sessions []api.Session, err error) []Cmd {
	a := &m.admin
	if !a.loggedIn() {
		return nil
	}
	a.loading = false
	if errors.Is(err, admin.ErrExpired) || errors.Is(err, api.ErrAdminRequired) {
		// The daemon ended the admin session: log in again.
		m.admin = adminState{login: true, err: T("login.expired"), lastTouch: m.opts.Now()}
		return nil
	}
	a.loadErr = err != nil
	if err == nil {
		a.rules, a.sessions = rules, sessions
	}
	return nil
}

// AdminShowTab switches the admin screen's section.
func (m *Model) AdminShowTab(t AdminTab) {
	m.touchAdmin()
	m.admin.tab = t
}

// AdminRefresh fetches the admin screen's data again.
func (m *Model) AdminRefresh() []Cmd {
	m.touchAdmin()
	a := &m.admin
	if !a.loggedIn() || a.loading {
		return nil
	}
	a.loading = true
	return []Cmd{AdminFetch{a.token}}
}

// AdminTouched records a touch on the admin screen (a scroll), which
// keeps the admin logged in.
func (m *Model) AdminTouched() { m.touchAdmin() }

// AdminLogoutTap logs the admin out.
func (m *Model) AdminLogoutTap() []Cmd { return m.admin.logout() }

// AdminToken is the live admin token, or "".
func (m *Model) AdminToken() string { return m.admin.token }

// RecentSessions is how many sessions AdminFetch asks for.
func RecentSessions() int { return recentSessions }
