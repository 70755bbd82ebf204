package cli

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"rsc.io/qr"

	"github.com/sluice-ot/sluice/kiosk/admin"
)

type nopAuditor struct{}

func (nopAuditor) Append(string, any) error { return nil }

func TestAdminInitFromStdin(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	run := func(stdin string, args ...string) (int, string, error) {
		t.Helper()
		var out, errb bytes.Buffer
		code, err := adminInit(append([]string{"--state", state, "--station", "gate-1"}, args...), strings.NewReader(stdin), &out, &errb)
		return code, out.String(), err
	}
	code, out, err := run("480915\n")
	if err != nil || code != ExitOK {
		t.Fatalf("admin init = %d, %v\n%s", code, err, out)
	}
	path := filepath.Join(state, admin.DefaultFile)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v, %v; want mode 0600", fi.Mode(), err)
	}

	m := regexp.MustCompile(`(?m)^uri     (otpauth://\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no otpauth URI in the output:\n%s", out)
	}
	u, err := url.Parse(m[1])
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Host != "totp" || u.Path != "/Sluice:gate-1" || q.Get("issuer") != "Sluice" || q.Get("algorithm") != "SHA1" ||
		q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("URI = %s", m[1])
	}
	if !strings.Contains(out, "secret  "+groupBy4(q.Get("secret"))) {
		t.Errorf("the secret printed for typing differs from the URI's:\n%s", out)
	}
	if strings.Contains(out, "480915") {
		t.Error("the output shows the PIN")
	}
	var qrOut bytes.Buffer
	renderQR(&qrOut, m[1], false)
	if !strings.Contains(out, qrOut.String()) {
		t.Errorf("the output does not hold the URI's QR code:\n%s", out)
	}

	// The station accepts the PIN and a code from an app fed the secret.
	key, err := admin.DecodeSecret(q.Get("secret"))
	if err != nil {
		t.Fatal(err)
	}
	a := admin.NewAuthenticator(path, admin.Options{Auditor: nopAuditor{}})
	if _, err := a.Login("480915", admin.TOTP(key, time.Now(), admin.Digits), "test"); err != nil {
		t.Errorf("Login with the new credentials = %v", err)
	}

	before, _ := os.ReadFile(path)
	code, _, err = run("731846\n")
	var ue *userError
	if code != ExitFailed || !errors.As(err, &ue) || !strings.Contains(ue.Hint, "--force") {
		t.Errorf("admin init over existing credentials = %d, %v; want a failure hinting --force", code, err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("a refused admin init changed the credentials")
	}
	for _, stdin := range []string{"123456\n", "12345\n", "", "\n"} {
		if code, _, err := run(stdin, "--force"); code != ExitFailed || err == nil {
			t.Errorf("admin init --force with PIN %q = %d, %v; want a failure", stdin, code, err)
		}
	}
	if code, out, err := run("731846\r\n", "--force"); code != ExitOK || err != nil || !strings.Contains(out, "otpauth://") {
		t.Errorf("admin init --force = %d, %v", code, err)
	}
	if after, _ := os.ReadFile(path); bytes.Equal(before, after) {
		t.Error("admin init --force left the old credentials")
	}
}

func TestAdminUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"admin"}, ExitFailed, "admin needs a subcommand"},
		{[]string{"admin", "reset"}, ExitFailed, `unknown admin subcommand "reset"`},
		{[]string{"admin", "init", "extra"}, ExitFailed, "admin init takes no arguments"},
		{[]string{"admin", "init", "--config", "/nonexistent/sluiced.toml"}, ExitFailed, "no such file"},
		{[]string{"admin", "--help"}, ExitOK, "usage: sluice admin init"},
	} {
		var out, errb bytes.Buffer
		code := Main(context.Background(), tc.args, &out, &errb)
		if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.want) {
			t.Errorf("sluice %s = %d, %s%s; want %d and %q", strings.Join(tc.args, " "), code, out.String(), errb.String(), tc.code, tc.want)
		}
	}
}

// rsc.io/qr has no decoder; instead the drawing is read back, module by
// module, and compared with the code.
func TestRenderQR(t *testing.T) {
	uri := admin.URI(strings.Repeat("s", 64), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ") // the longest station name
	code, err := qr.Encode(uri, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := renderQR(&b, uri, false); err != nil {
		t.Fatal(err)
	}
	n := code.Size + 2*qrQuiet
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != (n+1)/2 {
		t.Fatalf("QR code is %d lines, want %d for %d modules", len(lines), (n+1)/2, n)
	}
	for y, line := range lines {
		if w := utf8.RuneCountInString(line); w != n || w > 80 {
			t.Fatalf("line %d is %d columns, want %d (and at most 80)", y, w, n)
		}
		for x, r := range []rune(line) {
			top := r == '█' || r == '▀'
			bottom := r == '█' || r == '▄'
			for i, drawn := range []bool{top, bottom} {
				mx, my := x-qrQuiet, 2*y+i-qrQuiet
				if 2*y+i >= n {
					continue
				}
				inCode := mx >= 0 && my >= 0 && mx < code.Size && my < code.Size
				wantLight := !inCode || !code.Black(mx, my)
				if drawn != wantLight {
					t.Fatalf("module (%d,%d): drawn light %v, want %v", mx, my, drawn, wantLight)
				}
			}
		}
	}
	var colored bytes.Buffer
	renderQR(&colored, uri, true)
	if got := strings.Count(colored.String(), "\x1b[97;40m"); got != len(lines) {
		t.Errorf("colored QR code sets colors on %d lines, want %d", got, len(lines))
	}
}
