package bundle

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"
)

// appendMember adds a member after the last one of a tar, as an attacker
// would, by writing over the end-of-archive blocks.
func appendMember(t *testing.T, p, name, data string) {
	t.Helper()
	raw, err := os.ReadFile(p)
	must(t, err)
	end := bytes.TrimRight(raw, "\x00")
	end = raw[:(len(end)+511)/512*512]
	extra := mkTar(t, file(name, data))
	must(t, os.WriteFile(p, append(bytes.Clone(end), extra...), 0o644))
}

func TestOpenSignature(t *testing.T) {
	pub, priv := testKeys(t)
	otherPub, otherPriv := testKeys(t)
	tests := []struct {
		name    string
		tamper  func(t *testing.T, p string)
		trusted []minisign.PublicKey
		want    error
	}{
		{"valid", func(*testing.T, string) {}, []minisign.PublicKey{otherPub, pub}, nil},
		{"unsigned", func(t *testing.T, p string) { must(t, os.Remove(p+SignatureExt)) }, []minisign.PublicKey{pub}, ErrUnsigned},
		{"untrusted key", func(*testing.T, string) {}, []minisign.PublicKey{otherPub}, ErrUntrustedKey},
		{"no trusted keys", func(*testing.T, string) {}, nil, ErrUntrustedKey},
		{"one byte changed", func(t *testing.T, p string) {
			raw, err := os.ReadFile(p)
			must(t, err)
			i := bytes.Index(raw, []byte("marker-7731"))
			raw[i] ^= 1
			must(t, os.WriteFile(p, raw, 0o644))
		}, []minisign.PublicKey{pub}, ErrBadSignature},
		{"zero appended", func(t *testing.T, p string) {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			must(t, err)
			f.Write([]byte{0})
			f.Close()
		}, []minisign.PublicKey{pub}, ErrBadSignature},
		{"member added, not re-signed", func(t *testing.T, p string) {
			appendMember(t, p, "yara/evil.yar", "rule Evil { condition: true }")
		}, []minisign.PublicKey{pub}, ErrBadSignature},
		{"member added, re-signed by an untrusted key", func(t *testing.T, p string) {
			appendMember(t, p, "yara/evil.yar", "rule Evil { condition: true }")
			signRaw(t, p, otherPriv, "plant-rules")
		}, []minisign.PublicKey{pub}, ErrUntrustedKey},
		// Even a trusted key's signature does not make an unlisted member
		// acceptable.
		{"member added, re-signed by the trusted key", func(t *testing.T, p string) {
			appendMember(t, p, "yara/evil.yar", "rule Evil { condition: true }")
			signRaw(t, p, priv, "plant-rules")
		}, []minisign.PublicKey{pub}, ErrUnlisted},
		{"garbage signature", func(t *testing.T, p string) {
			must(t, os.WriteFile(p+SignatureExt, []byte("untrusted comment: x\nnot base64\n"), 0o644))
		}, []minisign.PublicKey{pub}, ErrBadSignature},
		{"legacy signature", func(t *testing.T, p string) {
			raw, err := os.ReadFile(p)
			must(t, err)
			must(t, os.WriteFile(p+SignatureExt, minisign.Sign(priv, raw), 0o644))
		}, []minisign.PublicKey{pub}, ErrBadSignature},
		// The stock tool's default trusted comment does not name the tar.
		{"default comment", func(t *testing.T, p string) {
			raw, err := os.ReadFile(p)
			must(t, err)
			r := minisign.NewReader(bytes.NewReader(raw))
			r.Read(make([]byte, len(raw)+1))
			must(t, os.WriteFile(p+SignatureExt, r.Sign(priv), 0o644))
		}, []minisign.PublicKey{pub}, ErrBadSignature},
		{"comment names another bundle", func(t *testing.T, p string) {
			signRaw(t, p, priv, "other-rules")
		}, []minisign.PublicKey{pub}, ErrBadSignature},
		{"tar replaced by a directory", func(t *testing.T, p string) {
			must(t, os.Rename(p, p+".old"))
			must(t, os.Mkdir(p, 0o755))
		}, []minisign.PublicKey{pub}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := buildSigned(t, priv)
			tt.tamper(t, p)
			tmp := t.TempDir()
			b, err := OpenWith(p, tt.trusted, Options{Now: testNow, TempDir: tmp})
			if tt.name == "tar replaced by a directory" {
				if err == nil || !strings.Contains(err.Error(), "not a regular file") {
					t.Fatalf("Open = %v, want not a regular file", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("Open = %v, want %v", err, tt.want)
			}
			if err != nil {
				if b != nil {
					t.Errorf("Open returned a bundle with %v", err)
				}
				if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
					t.Errorf("Open left %d entries in its temp folder after failing", len(ents))
				}
				return
			}
			b.Close()
		})
	}
}

func TestOpenExpired(t *testing.T) {
	pub, priv := testKeys(t)
	opts := sampleInputs(t)
	opts.Expires = testNow.Add(24 * time.Hour)
	out := filepath.Join(t.TempDir(), "b.tar")
	_, err := Build(opts, out)
	must(t, err)
	must(t, Sign(out, priv))
	b, err := Open(out, []minisign.PublicKey{pub}, testNow.Add(time.Hour))
	if err != nil {
		t.Fatalf("Open before expiry: %v", err)
	}
	b.Close()
	b, err = Open(out, []minisign.PublicKey{pub}, testNow.Add(25*time.Hour))
	if !errors.Is(err, ErrExpired) || b == nil {
		t.Fatalf("Open after expiry = %v, %v; want the bundle and ErrExpired", b, err)
	}
	if !b.Expired(testNow.Add(25 * time.Hour)) {
		t.Error("Expired = false after expiry")
	}
	b.Close()
}

func TestInspect(t *testing.T) {
	pub, priv := testKeys(t)
	otherPub, _ := testKeys(t)
	p := buildSigned(t, priv)
	for _, tt := range []struct {
		name    string
		trusted []minisign.PublicKey
		want    SigStatus
	}{
		{"valid", []minisign.PublicKey{pub}, SigValid},
		{"untrusted", []minisign.PublicKey{otherPub}, SigUntrusted},
		{"unchecked", nil, SigUnchecked},
	} {
		info, err := Inspect(p, tt.trusted)
		if err != nil {
			t.Fatalf("%s: Inspect: %v", tt.name, err)
		}
		if info.Signature != tt.want || info.KeyID != pub.ID() || info.Manifest.Name != "plant-rules" {
			t.Errorf("%s: Inspect = %s key %X bundle %s, want %s key %X plant-rules", tt.name, info.Signature, info.KeyID, info.Manifest.Name, tt.want, pub.ID())
		}
	}
	raw, err := os.ReadFile(p)
	must(t, err)
	raw[len(raw)-1] = 1 // not zero after the end: malformed, and the signature breaks
	must(t, os.WriteFile(p, raw, 0o644))
	info, err := Inspect(p, []minisign.PublicKey{pub})
	if !errors.Is(err, ErrMalformed) || info == nil || info.Signature != SigBad {
		t.Errorf("Inspect(tampered) = %+v, %v; want SigBad and ErrMalformed", info, err)
	}
	must(t, os.Remove(p+SignatureExt))
	if info, _ := Inspect(p, []minisign.PublicKey{pub}); info.Signature != SigUnsigned {
		t.Errorf("Inspect(unsigned) = %s, want unsigned", info.Signature)
	}
}

// Malformed tars, signed by the trusted key: the reader must refuse each
// after the signature passed.
func TestOpenMalformed(t *testing.T) {
	pub, priv := testKeys(t)
	for _, tc := range malformedCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "b.tar")
			must(t, os.WriteFile(p, tc.raw, 0o644))
			signRaw(t, p, priv, "test")
			b, err := OpenWith(p, []minisign.PublicKey{pub}, Options{Now: testNow, Limits: tc.limits})
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("Open = %v, want %v", err, tc.want)
			}
			if b != nil {
				b.Close()
			}
		})
	}
}

func TestCheckPath(t *testing.T) {
	for _, p := range []string{"", "/etc/x", "a/../b", "..", "a\\b", "a\x00b", "a/\xff", "a//b", "./a", "a/", "a\x1b[2J", "a\u202eb", strings.Repeat("a", 256)} {
		if err := checkPath(p); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("checkPath(%q) = %v, want ErrUnsafePath", p, err)
		}
	}
	for _, p := range []string{"bundle.json", "yara/a b/c-1.yar", "..a", "a..", strings.Repeat("a", 255)} {
		if err := checkPath(p); err != nil {
			t.Errorf("checkPath(%q) = %v, want nil", p, err)
		}
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
