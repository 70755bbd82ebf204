package admin

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Errors Login, Check and Logout return; callers branch with errors.Is.
var (
	// ErrBadCredentials is a wrong PIN, a wrong or reused code, or an
	// unknown token. It never says which.
	ErrBadCredentials = errors.New("wrong PIN or code")
	// ErrLockedOut is wrapped by *LockoutError, which says for how long.
	ErrLockedOut = errors.New("admin login locked out after repeated failures")
	// ErrNotInitialized means no credentials file: run 'sluice admin init'.
	ErrNotInitialized = errors.New("admin login is not set up")
	// ErrExpired is a token past its idle expiry or its maximum lifetime.
	ErrExpired = errors.New("admin session expired")
)

// LockoutError refuses a login while login is locked out.
type LockoutError struct {
	Remaining time.Duration
}

func (e *LockoutError) Error() string {
	return fmt.Sprintf("%v; try again in %v", ErrLockedOut, e.Remaining.Round(time.Second))
}

func (e *LockoutError) Unwrap() error { return ErrLockedOut }

// Auditor records events; *audit.Log is one. data must hold no secret.
type Auditor interface {
	Append(typ string, data any) error
}

// Audit event types.
const (
	EventLogin       = "admin.login"
	EventLoginFailed = "admin.login_failed"
	EventLockedOut   = "admin.locked_out"
	EventLogout      = "admin.logout"
)

// Lockout policy: after freeAttempts failures in a row, each further
// failure locks login for firstLock, doubled per failure, up to maxLock.
const (
	freeAttempts = 3
	firstLock    = 30 * time.Second
	maxLock      = 15 * time.Minute
	// maxSessions bounds live tokens; the oldest goes first.
	maxSessions = 8
)

// Options are an Authenticator's parts and settings.
type Options struct {
	Auditor Auditor // required
	// Now and Rand default to time.Now and crypto/rand.
	Now  func() time.Time
	Rand io.Reader
	// Idle is how long a token lives unused (default 5 min); MaxLifetime
	// how long it lives at most (default 1 h).
	Idle        time.Duration
	MaxLifetime time.Duration
}

// Token is an admin session.
type Token struct {
	// Value is the bearer secret. Only Login returns it.
	Value string
	// ID names the token in logs: the first 8 hex digits of its SHA-256.
	ID string
	// Expires is the idle expiry, capped by the maximum lifetime.
	Expires time.Time
}

type session struct {
	id       string
	created  time.Time
	lastUsed time.Time
	ended    bool // expiry noticed and audited
}

// Authenticator checks admin logins against a credentials file and keeps
// the sessions. It is safe for concurrent use.
type Authenticator struct {
	path        string
	audit       Auditor
	now         func() time.Time
	rand        io.Reader
	idle, life  time.Duration
	loginMu     sync.Mutex // one login at a time: lockout check, verify, record
	failures    int        // in a row
	lockedUntil time.Time
	refused     int   // logins refused during the current lockout
	lastStep    int64 // TOTP step of the last login; older codes are spent
	mu          sync.Mutex
	sessions    map[[sha256.Size]byte]*session
}

// NewAuthenticator returns an Authenticator for the credentials file at
// path. The file is read at every login, so 'sluice admin init --force'
// takes effect without a restart.
func NewAuthenticator(path string, o Options) *Authenticator {
	a := &Authenticator{path: path, audit: o.Auditor, now: o.Now, rand: o.Rand, idle: o.Idle, life: o.MaxLifetime,
		sessions: make(map[[sha256.Size]byte]*session)}
	if a.now == nil {
		a.now = time.Now
	}
	if a.rand == nil {
		a.rand = rand.Reader
	}
	if a.idle <= 0 {
		a.idle = 5 * time.Minute
	}
	if a.life <= 0 {
		a.life = time.Hour
	}
	return a
}

// Login checks pin and code and returns a new token. peer says who asked,
// for the audit log (e.g. "uid=1000 pid=4242"). While login is locked out
// it returns a *LockoutError at once, without looking at pin or code. A
// failure that starts a lockout returns both ErrBadCredentials and a
// *LockoutError.
func (a *Authenticator) Login(pin, code, peer string) (Token, error) {
	a.loginMu.Lock()
	defer a.loginMu.Unlock()
	now := a.now()
	if now.Before(a.lockedUntil) {
		rem := a.lockedUntil.Sub(now)
		var err error
		if a.refused == 0 { // one line per lockout, not one per request
			err = a.audit.Append(EventLoginFailed, map[string]any{
				"peer": peer, "reason": "locked_out", "retry_after_seconds": seconds(rem)})
		}
		a.refused++
		return Token{}, errors.Join(&LockoutError{Remaining: rem}, err)
	}
	ev := map[string]any{"peer": peer}
	if a.refused > 1 {
		ev["refused_while_locked"] = a.refused
	}
	a.refused = 0

	c, err := load(a.path)
	if err != nil {
		ev["reason"] = "not_initialized"
		if !errors.Is(err, ErrNotInitialized) {
			ev["reason"] = "credentials_unusable"
		}
		return Token{}, errors.Join(err, a.audit.Append(EventLoginFailed, ev))
	}
	// Both factors are always checked, so the time taken does not tell
	// which one was wrong.
	pinOK := c.checkPIN(pin)
	matched, codeOK, replayed := matchCode(c.key(), code, now, a.lastStep)
	if !pinOK || !codeOK {
		return Token{}, a.fail(now, ev, failReason(pinOK, codeOK, replayed))
	}

	tok, err := a.newSession(now)
	if err != nil {
		return Token{}, err
	}
	ev["token_id"], ev["expires"] = tok.ID, tok.Expires.UTC()
	if err := a.audit.Append(EventLogin, ev); err != nil {
		// An admin session the audit log does not know of must not exist.
		a.drop(tok.Value)
		return Token{}, fmt.Errorf("admin login: %w", err)
	}
	a.failures, a.lockedUntil, a.lastStep = 0, time.Time{}, matched
	return tok, nil
}

// fail records a failed login, and locks login out when it is one too many.
func (a *Authenticator) fail(now time.Time, ev map[string]any, reason string) error {
	a.failures++
	ev["reason"], ev["failures"] = reason, a.failures
	errs := []error{ErrBadCredentials, a.audit.Append(EventLoginFailed, ev)}
	if a.failures >= freeAttempts {
		d := lockDuration(a.failures)
		a.lockedUntil = now.Add(d)
		errs = append(errs, &LockoutError{Remaining: d}, a.audit.Append(EventLockedOut, map[string]any{
			"peer": ev["peer"], "failures": a.failures, "seconds": seconds(d), "until": a.lockedUntil.UTC()}))
	}
	return errors.Join(errs...)
}

// failReason says which factor failed, for the audit log only: a correct
// PIN with a wrong code tells the admins the PIN is known.
func failReason(pinOK, codeOK, replayed bool) string {
	switch {
	case !pinOK && !codeOK:
		return "pin_and_code"
	case !pinOK:
		return "pin"
	case replayed:
		return "code_reused"
	default:
		return "code"
	}
}

func lockDuration(failures int) time.Duration {
	d := firstLock
	for i := freeAttempts; i < failures && d < maxLock; i++ {
		d *= 2
	}
	return min(d, maxLock)
}

func seconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }

// TokenID names a token in logs without revealing it.
func TokenID(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:4])
}

func (a *Authenticator) newSession(now time.Time) (Token, error) {
	raw := make([]byte, 32)
	if _, err := io.ReadFull(a.rand, raw); err != nil {
		return Token{}, fmt.Errorf("admin login: random token: %w", err)
	}
	value := hex.EncodeToString(raw)
	s := &session{id: TokenID(value), created: now, lastUsed: now}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sweep(now)
	var live []*session
	for _, o := range a.sessions {
		if !o.ended {
			live = append(live, o)
		}
	}
	for len(live) >= maxSessions {
		oldest := 0
		for i, o := range live {
			if o.created.Before(live[oldest].created) {
				oldest = i
			}
		}
		a.end(live[oldest], "evicted")
		live = append(live[:oldest], live[oldest+1:]...)
	}
	a.sessions[sha256.Sum256([]byte(value))] = s
	return Token{Value: value, ID: s.id, Expires: a.expires(s)}, nil
}

func (a *Authenticator) drop(token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, sha256.Sum256([]byte(token)))
}

func (a *Authenticator) expires(s *session) time.Time {
	idle, end := s.lastUsed.Add(a.idle), s.created.Add(a.life)
	if end.Before(idle) {
		return end
	}
	return idle
}

// end marks s ended and audits why. Callers hold a.mu.
func (a *Authenticator) end(s *session, reason string) error {
	if s.ended {
		return nil
	}
	s.ended = true
	ev := map[string]any{"token_id": s.id, "reason": reason}
	if reason == "expired" {
		ev["expired_at"] = a.expires(s).UTC()
	}
	return a.audit.Append(EventLogout, ev)
}

// sweep ends expired sessions and forgets those long ended; an ended one
// is kept a while so that its holder hears ErrExpired rather than
// ErrBadCredentials. Callers hold a.mu.
func (a *Authenticator) sweep(now time.Time) {
	for k, s := range a.sessions {
		exp := a.expires(s)
		if !now.Before(exp) {
			a.end(s, "expired")
		}
		if s.ended && now.Sub(exp) > a.life {
			delete(a.sessions, k)
		}
	}
}

// Check reports whether token is a live admin session and refreshes its
// idle expiry. An unknown token is ErrBadCredentials, an expired one
// ErrExpired. The Token returned has no Value.
func (a *Authenticator) Check(token string) (Token, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	s := a.sessions[sha256.Sum256([]byte(token))]
	if s == nil {
		return Token{}, ErrBadCredentials
	}
	if s.ended || !now.Before(a.expires(s)) {
		a.end(s, "expired")
		return Token{}, ErrExpired
	}
	s.lastUsed = now
	return Token{ID: s.id, Expires: a.expires(s)}, nil
}

// Logout ends the session of token.
func (a *Authenticator) Logout(token string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	key := sha256.Sum256([]byte(token))
	s := a.sessions[key]
	if s == nil {
		return ErrBadCredentials
	}
	delete(a.sessions, key)
	if s.ended || !a.now().Before(a.expires(s)) {
		a.end(s, "expired")
		return ErrExpired
	}
	return a.end(s, "logout")
}

// Active reports whether any admin session is live, for actions allowed
// only while an admin is logged in on the station (update drives).
func (a *Authenticator) Active() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	for _, s := range a.sessions {
		if !s.ended && now.Before(a.expires(s)) {
			return true
		}
	}
	return false
}
