package admin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/audit"
)

// Through the real audit log, every kind of event carries no secret: no
// PIN, no code, no token, no TOTP secret.
func TestAuditHoldsNoSecret(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: t0}
	log, err := audit.OpenLog(filepath.Join(dir, "audit.log"), "gate-1", clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, DefaultFile)
	secret, _, err := Init(path, testPIN, InitOptions{Params: fastParams, Rand: seeded(4), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := DecodeSecret(secret)
	a := NewAuthenticator(path, Options{Auditor: log, Now: clk.Now, Rand: seeded(5)})
	secrets := []string{testPIN, secret}
	login := func(pin string, code string) Token {
		secrets = append(secrets, pin, code)
		tok, _ := a.Login(pin, code, "uid=1000 gid=1000 pid=42")
		if tok.Value != "" {
			secrets = append(secrets, tok.Value)
		}
		return tok
	}
	code := TOTP(key, clk.Now(), Digits)
	tok := login(testPIN, code)
	a.Check(tok.Value)
	a.Logout(tok.Value)
	login(testPIN, code) // replayed
	clk.Advance(Period)
	login("731846", TOTP(key, clk.Now(), Digits)) // wrong PIN, right code
	login(testPIN, "")                            // locks out
	login(testPIN, TOTP(key, clk.Now(), Digits))  // refused while locked
	clk.Advance(time.Minute)
	tok = login(testPIN, TOTP(key, clk.Now(), Digits))
	clk.Advance(time.Hour)
	a.Check(tok.Value) // expired
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(filepath.Join(dir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	// The chain's own hashes and nonce are random hex, where a 6-digit
	// code could turn up by chance: scan what the events carry.
	seen := map[string]bool{}
	for line := range strings.Lines(string(data)) {
		var e struct {
			Type string
			Data json.RawMessage
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		seen[e.Type] = true
		for _, s := range secrets {
			if s != "" && strings.Contains(string(e.Data), s) {
				t.Errorf("audit line holds the secret %q: %s", s, line)
			}
		}
	}
	for _, typ := range []string{EventLogin, EventLoginFailed, EventLockedOut, EventLogout} {
		if !seen[typ] {
			t.Errorf("audit log has no %s line:\n%s", typ, data)
		}
	}
}
