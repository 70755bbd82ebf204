package admin

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// The TOTP parameters in use: RFC 6238's defaults, which every
// authenticator app supports.
const (
	Period = 30 * time.Second
	Digits = 6
	// SecretBytes is the length of a new TOTP secret: 160 bits, as
	// RFC 4226 recommends for HMAC-SHA1.
	SecretBytes = 20
	// skew is how many steps either side of the current one are accepted,
	// for a phone whose clock is a little off.
	skew = 1
)

// b32 is how TOTP secrets are written: base32 without padding, as
// otpauth:// URIs expect.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// HOTP returns the RFC 4226 one-time password of key for counter, with
// digits digits (6 to 8).
func HOTP(key []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// TOTP returns the RFC 6238 code of key at t, over 30-second steps since
// the Unix epoch.
func TOTP(key []byte, t time.Time, digits int) string {
	return HOTP(key, uint64(step(t)), digits)
}

// step is the TOTP time step t falls in.
func step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// DecodeSecret reads a base32 TOTP secret as shown to the admin; case and
// spaces do not matter.
func DecodeSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	key, err := b32.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("totp secret: not base32")
	}
	return key, nil
}

// URI returns the otpauth:// URI that authenticator apps import, with the
// account named after the station.
func URI(station, secret string) string {
	label := url.PathEscape("Sluice:" + station)
	return "otpauth://totp/" + label + "?secret=" + secret +
		fmt.Sprintf("&issuer=Sluice&algorithm=SHA1&digits=%d&period=%d", Digits, int(Period/time.Second))
}

// matchCode reports whether code is the code of key at a step within the
// skew window of now that is later than last, and which step that is.
// replayed is true when the code is right but its step was already used.
// Every step of the window is computed and compared in constant time, so
// the answer takes the same time whichever step matched.
func matchCode(key []byte, code string, now time.Time, last int64) (matched int64, ok, replayed bool) {
	code = strings.ReplaceAll(code, " ", "")
	cur := step(now)
	for s := cur - skew; s <= cur+skew; s++ {
		want := HOTP(key, uint64(s), Digits)
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		if s > last {
			matched, ok = s, true
		} else {
			replayed = true
		}
	}
	if ok {
		replayed = false
	}
	return matched, ok, replayed
}
