package admin

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is an injected clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// auditLines records what would be written, as JSON, like audit.Log.
type auditLines struct {
	mu    sync.Mutex
	lines []string
}

func (a *auditLines) Append(typ string, data any) error {
	b, err := json.Marshal(data)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lines = append(a.lines, typ+" "+string(b))
	return err
}

func (a *auditLines) types() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var ts []string
	for _, l := range a.lines {
		ts = append(ts, strings.Fields(l)[0])
	}
	return ts
}

const testPIN = "480915"

type fixture struct {
	auth  *Authenticator
	clk   *clock
	audit *auditLines
	key   []byte
	path  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clk: &clock{t: t0}, audit: &auditLines{}, path: filepath.Join(t.TempDir(), DefaultFile)}
	secret, _, err := Init(f.path, testPIN, InitOptions{Station: "gate-1", Params: fastParams, Rand: seeded(2), Now: f.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if f.key, err = DecodeSecret(secret); err != nil {
		t.Fatal(err)
	}
	f.auth = NewAuthenticator(f.path, Options{Auditor: f.audit, Now: f.clk.Now, Rand: seeded(3)})
	return f
}

// code is the admin's app showing the current code.
func (f *fixture) code() string { return TOTP(f.key, f.clk.Now(), Digits) }

func TestLoginCheckLogout(t *testing.T) {
	f := newFixture(t)
	tok, err := f.auth.Login(testPIN, f.code(), "uid=1000")
	if err != nil {
		t.Fatalf("Login = %v", err)
	}
	if len(tok.Value) != 64 || tok.ID != TokenID(tok.Value) || !tok.Expires.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("token = %+v; want 64 hex digits expiring in 5 min", tok)
	}
	if !f.auth.Active() {
		t.Error("Active() = false after a login")
	}
	f.clk.Advance(time.Minute)
	got, err := f.auth.Check(tok.Value)
	if err != nil || got.ID != tok.ID || !got.Expires.Equal(t0.Add(6*time.Minute)) || got.Value != "" {
		t.Errorf("Check = %+v, %v; want the idle expiry refreshed", got, err)
	}
	if _, err := f.auth.Check(strings.Repeat("0", 64)); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("Check(unknown) = %v, want ErrBadCredentials", err)
	}
	if err := f.auth.Logout(tok.Value); err != nil {
		t.Errorf("Logout = %v", err)
	}
	if _, err := f.auth.Check(tok.Value); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("Check after Logout = %v, want ErrBadCredentials", err)
	}
	if err := f.auth.Logout(tok.Value); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("second Logout = %v, want ErrBadCredentials", err)
	}
	if f.auth.Active() {
		t.Error("Active() = true after logout")
	}
	if got, want := strings.Join(f.audit.types(), " "), "admin.login admin.logout"; got != want {
		t.Errorf("audit = %s, want %s", got, want)
	}
}

func TestLoginFactors(t *testing.T) {
	f := newFixture(t)
	wrongCode := TOTP(f.key, t0.Add(-10*Period), Digits)
	for _, tc := range []struct{ pin, code string }{
		{"480916", f.code()},
		{testPIN, wrongCode},
		{"", ""},
	} {
		if _, err := f.auth.Login(tc.pin, tc.code, "uid=1000"); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("Login(%q, %q) = %v, want ErrBadCredentials", tc.pin, tc.code, err)
		}
		f.clk.Advance(time.Hour) // past any lockout
	}
	// The clock-skew window: the codes of the step before and after.
	for _, skewed := range []time.Duration{-Period, Period} {
		f.clk.Advance(3 * Period)
		if _, err := f.auth.Login(testPIN, TOTP(f.key, f.clk.Now().Add(skewed), Digits), ""); err != nil {
			t.Errorf("Login with a code %v away = %v", skewed, err)
		}
	}
	os.Remove(f.path)
	if _, err := f.auth.Login(testPIN, f.code(), ""); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("Login without credentials = %v, want ErrNotInitialized", err)
	}
}

func TestReplayRefused(t *testing.T) {
	f := newFixture(t)
	code := f.code()
	if _, err := f.auth.Login(testPIN, code, ""); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(10 * time.Second) // same step
	if _, err := f.auth.Login(testPIN, code, ""); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("Login replaying a code = %v, want ErrBadCredentials", err)
	}
	// The previous step's code is in the skew window but older than the
	// one used: spent too.
	if _, err := f.auth.Login(testPIN, TOTP(f.key, f.clk.Now().Add(-Period), Digits), ""); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("Login with an older code after a newer one = %v, want ErrBadCredentials", err)
	}
	f.clk.Advance(Period)
	if _, err := f.auth.Login(testPIN, f.code(), ""); err != nil {
		t.Errorf("Login with the next step's code = %v", err)
	}
	if l := f.audit.lines[1]; !strings.Contains(l, `"reason":"code_reused"`) {
		t.Errorf("audit of a replay = %s", l)
	}
}

func TestTokenExpiry(t *testing.T) {
	f := newFixture(t)
	tok, err := f.auth.Login(testPIN, f.code(), "")
	if err != nil {
		t.Fatal(err)
	}
	// Used every 4 minutes, the token lives until its maximum lifetime.
	for range 14 {
		f.clk.Advance(4 * time.Minute)
		if _, err := f.auth.Check(tok.Value); err != nil {
			t.Fatalf("Check at %v = %v", f.clk.Now().Sub(t0), err)
		}
	}
	f.clk.Advance(4 * time.Minute) // 60 min
	if _, err := f.auth.Check(tok.Value); !errors.Is(err, ErrExpired) {
		t.Errorf("Check at the maximum lifetime = %v, want ErrExpired", err)
	}

	// Unused for the idle time, it expires.
	f.clk.Advance(Period)
	tok, err = f.auth.Login(testPIN, f.code(), "")
	if err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(5*time.Minute - time.Second)
	if _, err := f.auth.Check(tok.Value); err != nil {
		t.Fatalf("Check just before the idle expiry = %v", err)
	}
	f.clk.Advance(5 * time.Minute)
	if f.auth.Active() {
		t.Error("Active() = true with only an idle token")
	}
	if _, err := f.auth.Check(tok.Value); !errors.Is(err, ErrExpired) {
		t.Errorf("Check after the idle expiry = %v, want ErrExpired", err)
	}
	if err := f.auth.Logout(tok.Value); !errors.Is(err, ErrExpired) {
		t.Errorf("Logout of an expired token = %v, want ErrExpired", err)
	}
	var expired int
	for _, l := range f.audit.lines {
		if strings.HasPrefix(l, "admin.logout ") && strings.Contains(l, `"reason":"expired"`) {
			expired++
		}
	}
	if expired != 2 {
		t.Errorf("audit has %d expiry lines, want 2 (one per token):\n%s", expired, strings.Join(f.audit.lines, "\n"))
	}
}

func TestLockout(t *testing.T) {
	f := newFixture(t)
	fail := func() error {
		t.Helper()
		_, err := f.auth.Login("000001", f.code(), "uid=1000")
		if !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("Login with a wrong PIN = %v, want ErrBadCredentials", err)
		}
		return err
	}
	fail()
	fail()
	var le *LockoutError
	if err := fail(); !errors.As(err, &le) || le.Remaining != 30*time.Second {
		t.Fatalf("third failure = %v, want a 30 s lockout", err)
	}
	// While locked, nothing is evaluated: not even the credentials file.
	os.Rename(f.path, f.path+".away")
	f.clk.Advance(10 * time.Second)
	for range 5 {
		_, err := f.auth.Login(testPIN, f.code(), "uid=1000")
		if !errors.As(err, &le) || le.Remaining != 20*time.Second || errors.Is(err, ErrBadCredentials) {
			t.Fatalf("Login while locked = %v, want only a lockout with 20 s left", err)
		}
	}
	os.Rename(f.path+".away", f.path)
	// Each further failure doubles the lockout, up to 15 min.
	for _, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute} {
		f.clk.Advance(le.Remaining)
		if err := fail(); !errors.As(err, &le) || le.Remaining != want {
			t.Fatalf("failure after the lockout = %v, want a lockout of %v", err, want)
		}
	}
	// A success resets the count: one failure after it locks nothing.
	f.clk.Advance(le.Remaining)
	if _, err := f.auth.Login(testPIN, f.code(), ""); err != nil {
		t.Fatalf("Login after the lockout = %v", err)
	}
	if err := fail(); errors.Is(err, ErrLockedOut) {
		t.Errorf("first failure after a success = %v, want no lockout", err)
	}

	var lockouts, refusedLines int
	for _, l := range f.audit.lines {
		lockouts += strings.Count(l, "admin.locked_out ")
		if strings.Contains(l, `"reason":"locked_out"`) {
			refusedLines++
		}
	}
	if lockouts != 7 || refusedLines != 1 {
		t.Errorf("audit has %d lockouts and %d lines for refused logins, want 7 and 1 (five refusals in one lockout):\n%s",
			lockouts, refusedLines, strings.Join(f.audit.lines, "\n"))
	}
	if !strings.Contains(strings.Join(f.audit.lines, "\n"), `"refused_while_locked":5`) {
		t.Error("audit does not count the logins refused during the lockout")
	}
}

func TestSessionsBounded(t *testing.T) {
	f := newFixture(t)
	var first Token
	for i := range maxSessions + 1 {
		f.clk.Advance(Period)
		tok, err := f.auth.Login(testPIN, f.code(), "")
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = tok
		}
	}
	if _, err := f.auth.Check(first.Value); err == nil {
		t.Error("the oldest session outlived the limit on sessions")
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t)
	tok, err := f.auth.Login(testPIN, f.code(), "")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 20 {
				if i%2 == 0 {
					f.auth.Login("000001", "000000", "")
				} else if _, err := f.auth.Check(tok.Value); err != nil {
					t.Errorf("Check = %v", err)
				}
				f.auth.Active()
			}
		})
	}
	wg.Wait()
}
