package admin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/argon2"
)

// DefaultFile is the credentials file's name in the station's state
// directory.
const DefaultFile = "admin.json"

// Params are argon2id's costs. They are stored in each credentials file,
// so raising the defaults later leaves existing files valid.
type Params struct {
	Time      uint32 `json:"time"`       // passes over memory
	MemoryKiB uint32 `json:"memory_kib"` // memory, in KiB
	Threads   uint8  `json:"threads"`
}

// DefaultParams are 3 passes over 64 MiB on one thread (RFC 9106's second
// recommendation, single-threaded): about a quarter of a second per login
// on a station's CPU. Logins are serialized, so memory stays bounded.
var DefaultParams = Params{Time: 3, MemoryKiB: 64 << 10, Threads: 1}

const (
	saltBytes = 16
	hashBytes = 32
	// maxMemoryKiB refuses a file whose parameters would exhaust memory.
	maxMemoryKiB = 1 << 20
)

// ErrWeakPIN means Init refused a PIN that is short or trivial.
var ErrWeakPIN = errors.New("weak PIN")

// credentials is the file's format. Version 1 knows argon2id and
// TOTP with SHA1, 6 digits and 30 s steps.
type credentials struct {
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	PIN     pinHash   `json:"pin"`
	TOTP    totpKey   `json:"totp"`
}

type pinHash struct {
	Algorithm string `json:"algorithm"`
	Params
	Salt []byte `json:"salt"`
	Hash []byte `json:"hash"`
}

type totpKey struct {
	Secret    string `json:"secret"` // base32, no padding
	Algorithm string `json:"algorithm"`
	Digits    int    `json:"digits"`
	Period    int    `json:"period"` // seconds
}

// InitOptions are Init's settings.
type InitOptions struct {
	// Station names the account in the otpauth:// URI.
	Station string
	// Force replaces an existing credentials file.
	Force bool
	// Params are argon2id's costs; zero means DefaultParams.
	Params Params
	// Rand and Now default to crypto/rand and time.Now.
	Rand io.Reader
	Now  func() time.Time
}

// Init writes a new credentials file at path (mode 0600, atomically): pin
// as an argon2id hash with a random salt, and a new random TOTP secret. It
// returns the secret (base32) and its otpauth:// URI for the admin's app.
// A weak PIN is refused with ErrWeakPIN, and an existing file with an
// error wrapping os.ErrExist unless o.Force is set.
func Init(path, pin string, o InitOptions) (secret, uri string, err error) {
	if err := CheckPIN(pin); err != nil {
		return "", "", err
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Params == (Params{}) {
		o.Params = DefaultParams
	}
	if err := o.Params.check(); err != nil {
		return "", "", err
	}
	if !o.Force {
		if _, err := os.Lstat(path); err == nil {
			return "", "", fmt.Errorf("admin credentials %s: %w", path, os.ErrExist)
		}
	}
	salt := make([]byte, saltBytes)
	key := make([]byte, SecretBytes)
	if _, err := io.ReadFull(o.Rand, salt); err != nil {
		return "", "", fmt.Errorf("admin credentials: random salt: %w", err)
	}
	if _, err := io.ReadFull(o.Rand, key); err != nil {
		return "", "", fmt.Errorf("admin credentials: random secret: %w", err)
	}
	secret = b32.EncodeToString(key)
	c := credentials{
		Version: 1,
		Created: o.Now().UTC(),
		PIN:     pinHash{Algorithm: "argon2id", Params: o.Params, Salt: salt, Hash: o.Params.hash(pin, salt)},
		TOTP:    totpKey{Secret: secret, Algorithm: "SHA1", Digits: Digits, Period: int(Period / time.Second)},
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", "", err
	}
	if err := writeAtomic(path, append(data, '\n'), o.Force); err != nil {
		return "", "", fmt.Errorf("admin credentials %s: %w", path, err)
	}
	return secret, URI(o.Station, secret), nil
}

func (p Params) hash(pin string, salt []byte) []byte {
	return argon2.IDKey([]byte(pin), salt, p.Time, p.MemoryKiB, p.Threads, hashBytes)
}

func (p Params) check() error {
	if p.Time < 1 || p.Threads < 1 || p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB {
		return fmt.Errorf("argon2id parameters out of range: %+v", p)
	}
	return nil
}

// CheckPIN refuses PINs that are not 6 to 64 digits, or that are trivial:
// one digit repeated, a run with a constant step (123456, 975319, 210987),
// or a short group repeated (121212, 123123, 12341234).
func CheckPIN(pin string) error {
	if len(pin) < 6 || len(pin) > 64 {
		return fmt.Errorf("%w: use 6 to 64 digits", ErrWeakPIN)
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return fmt.Errorf("%w: use digits only", ErrWeakPIN)
		}
	}
	d := func(i int) int { return int(pin[i] - '0') }
	constantStep := true
	for i := 2; i < len(pin); i++ {
		if (d(i)-d(i-1)+10)%10 != (d(1)-d(0)+10)%10 {
			constantStep = false
			break
		}
	}
	if constantStep {
		return fmt.Errorf("%w: no repeated digit or simple sequence", ErrWeakPIN)
	}
	for n := 2; n <= len(pin)/2; n++ {
		repeated := true
		for i := n; i < len(pin); i++ {
			if pin[i] != pin[i-n] {
				repeated = false
				break
			}
		}
		if repeated {
			return fmt.Errorf("%w: no repeated group of digits", ErrWeakPIN)
		}
	}
	return nil
}

// writeAtomic writes data to a temporary file beside path, fsyncs it and
// moves it into place: by rename when replacing is allowed, else by link,
// which fails if path appeared meanwhile. A crash leaves the old file or
// the new one, never a mix.
func writeAtomic(path string, data []byte, replace bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".admin-*.tmp") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if replace {
		err = os.Rename(tmp, path)
	} else {
		err = os.Link(tmp, path)
	}
	if err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// load reads and checks the credentials file. A missing file is
// ErrNotInitialized. A file others may read or write is refused: its PIN
// hash and secret would no longer be the admin's alone.
func load(path string) (*credentials, error) {
	lfi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotInitialized
	}
	if err != nil {
		return nil, fmt.Errorf("admin credentials: %w", err)
	}
	if !lfi.Mode().IsRegular() || lfi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("admin credentials %s: must be a regular file of mode 0600, is %v", path, lfi.Mode())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("admin credentials: %w", err)
	}
	defer f.Close()
	// The file opened must be the one checked, not a link swapped in.
	if fi, err := f.Stat(); err != nil || !os.SameFile(fi, lfi) {
		return nil, fmt.Errorf("admin credentials %s: changed while being read", path)
	}
	var c credentials
	dec := json.NewDecoder(io.LimitReader(f, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("admin credentials %s: %w", path, err)
	}
	bad := func(what string) error { return fmt.Errorf("admin credentials %s: %s", path, what) }
	switch {
	case c.Version != 1:
		return nil, bad(fmt.Sprintf("unknown version %d", c.Version))
	case c.PIN.Algorithm != "argon2id" || c.PIN.Params.check() != nil:
		return nil, bad("PIN hash: unsupported algorithm or parameters")
	case len(c.PIN.Salt) < saltBytes || len(c.PIN.Hash) != hashBytes:
		return nil, bad("PIN hash: bad salt or hash length")
	case c.TOTP.Algorithm != "SHA1" || c.TOTP.Digits != Digits || c.TOTP.Period != int(Period/time.Second):
		return nil, bad("totp: only SHA1, 6 digits and 30 s steps are supported")
	}
	if key, err := DecodeSecret(c.TOTP.Secret); err != nil || len(key) < 16 {
		return nil, bad("totp: secret is not 128 bits or more of base32")
	}
	return &c, nil
}

// checkPIN compares pin's hash with the stored one in constant time.
func (c *credentials) checkPIN(pin string) bool {
	return subtle.ConstantTimeCompare(c.PIN.Params.hash(pin, c.PIN.Salt), c.PIN.Hash) == 1
}

func (c *credentials) key() []byte {
	key, _ := DecodeSecret(c.TOTP.Secret) // checked by load
	return key
}
