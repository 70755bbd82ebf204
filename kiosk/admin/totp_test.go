package admin

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// rfcKey is the SHA1 secret of RFC 4226 Appendix D and RFC 6238 Appendix B.
var rfcKey = []byte("12345678901234567890")

func TestHOTPVectors(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := HOTP(rfcKey, uint64(i), 6); got != w {
			t.Errorf("HOTP(rfc, %d, 6) = %s, want %s", i, got, w)
		}
	}
}

func TestTOTPVectors(t *testing.T) {
	for _, tc := range []struct {
		unix int64
		want string // RFC 6238 Appendix B, SHA1, 8 digits
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		at := time.Unix(tc.unix, 0)
		if got := TOTP(rfcKey, at, 8); got != tc.want {
			t.Errorf("TOTP(rfc, %d, 8) = %s, want %s", tc.unix, got, tc.want)
		}
		// The 6-digit code in use is the same number modulo 10^6.
		if got, want := TOTP(rfcKey, at, Digits), tc.want[2:]; got != want {
			t.Errorf("TOTP(rfc, %d, 6) = %s, want %s", tc.unix, got, want)
		}
	}
}

func TestMatchCode(t *testing.T) {
	now := time.Unix(1111111111, 0)
	cur := step(now)
	at := func(steps int64) string { return TOTP(rfcKey, now.Add(time.Duration(steps)*Period), Digits) }
	for _, tc := range []struct {
		name         string
		code         string
		last         int64
		ok, replayed bool
		matched      int64
	}{
		{"current", at(0), 0, true, false, cur},
		{"previous step (phone slow)", at(-1), 0, true, false, cur - 1},
		{"next step (phone fast)", at(1), 0, true, false, cur + 1},
		{"two steps old", at(-2), 0, false, false, 0},
		{"two steps ahead", at(2), 0, false, false, 0},
		{"spaces as apps show them", at(0)[:3] + " " + at(0)[3:], 0, true, false, cur},
		{"reused in its step", at(0), cur, false, true, 0},
		{"older than the last used", at(-1), cur, false, true, 0},
		{"newer than the last used", at(1), cur, true, false, cur + 1},
		{"empty", "", 0, false, false, 0},
		{"8 digits", TOTP(rfcKey, now, 8), 0, false, false, 0},
	} {
		matched, ok, replayed := matchCode(rfcKey, tc.code, now, tc.last)
		if ok != tc.ok || replayed != tc.replayed || (ok && matched != tc.matched) {
			t.Errorf("%s: matchCode(%q, last %d) = %d, %v, %v; want %d, %v, %v",
				tc.name, tc.code, tc.last, matched, ok, replayed, tc.matched, tc.ok, tc.replayed)
		}
	}
}

func TestURI(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	got := URI("gate-1", secret)
	want := "otpauth://totp/Sluice:gate-1?secret=" + secret + "&issuer=Sluice&algorithm=SHA1&digits=6&period=30"
	if got != want {
		t.Fatalf("URI = %s, want %s", got, want)
	}
	u, err := url.Parse(URI("hall 3/west", secret))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Sluice:hall 3/west" || u.Query().Get("secret") != secret {
		t.Errorf("URI with an odd station name parses as %q %q %q %v", u.Scheme, u.Host, u.Path, u.Query())
	}
	key, err := DecodeSecret(secret)
	if err != nil || string(key) != string(rfcKey) {
		t.Errorf("DecodeSecret = %q, %v; want the RFC key", key, err)
	}
}

// Codes and PINs come straight from the API: any string must be refused
// cleanly, and a code accepted only if it is one of the window's.
func FuzzCredentialsInput(f *testing.F) {
	for _, s := range []string{"", "287082", "287 082", "94287082", "480915", "١٢٣٤٥٦", "\x00\xff"} {
		f.Add(s)
	}
	now := time.Unix(59, 0)
	f.Fuzz(func(t *testing.T, s string) {
		CheckPIN(s)
		_, ok, _ := matchCode(rfcKey, s, now, 0)
		if ok {
			c := strings.ReplaceAll(s, " ", "")
			if c != TOTP(rfcKey, now, Digits) && c != TOTP(rfcKey, now.Add(-Period), Digits) && c != TOTP(rfcKey, now.Add(Period), Digits) {
				t.Errorf("matchCode accepted %q", s)
			}
		}
	})
}
