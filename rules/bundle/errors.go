package bundle

import "errors"

// Errors Open, Inspect and Sign return, wrapped with the member or file
// they concern; test them with errors.Is.
var (
	// Signature problems. Open checks the signature before it reads a
	// byte of the tar as a tar.
	ErrUnsigned     = errors.New("bundle is not signed")
	ErrUntrustedKey = errors.New("bundle is signed by a key that is not trusted")
	ErrBadSignature = errors.New("bundle signature does not verify")
	// ErrChanged means the file changed between the signature check and
	// the reading of its members.
	ErrChanged = errors.New("bundle changed while it was read")

	// Tar problems.
	ErrMalformed  = errors.New("malformed bundle")             // not a ustar archive, truncated, data after the end
	ErrUnsafePath = errors.New("unsafe member path")           // absolute, "..", backslash, NUL, control or non-ASCII characters
	ErrDuplicate  = errors.New("duplicate member")             // also when names differ only in case
	ErrLink       = errors.New("link member")                  // symbolic or hard link
	ErrSpecial    = errors.New("special member")               // device, FIFO or any type but file and directory
	ErrTooLarge   = errors.New("bundle member over the limit") // see Limits

	// Contents problems.
	ErrNoManifest    = errors.New("bundle.json is missing or not the first member")
	ErrBadManifest   = errors.New("invalid bundle.json")
	ErrFormatVersion = errors.New("unsupported bundle format version")
	ErrUnlisted      = errors.New("member not listed in bundle.json")
	ErrMissing       = errors.New("listed member missing")
	ErrMismatch      = errors.New("member size or sha256 differs from bundle.json")

	// ErrExpired is returned by Open together with the Bundle, so that the
	// caller decides: the station refuses to import it, an audit may read it.
	ErrExpired = errors.New("bundle expired")

	// ErrRejected is returned by Build when it wrote nothing because of
	// rejected inputs: with Strict, any rejected rule file or bad hash
	// line; without, rule files of which none compiled.
	ErrRejected = errors.New("bundle not built: inputs rejected")
)

// Limits bound what Open, Inspect and Build accept. The zero value of a
// field means its default.
type Limits struct {
	MaxMember   int64 // bytes in one member; default 64 MiB
	MaxTotal    int64 // bytes in all members together; default 512 MiB
	MaxMembers  int   // members, directories included; default 100,000
	MaxManifest int64 // bytes of bundle.json; default 16 MiB
}

// Default limits.
const (
	DefaultMaxMember   = 64 << 20
	DefaultMaxTotal    = 512 << 20
	DefaultMaxMembers  = 100_000
	DefaultMaxManifest = 16 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxMember <= 0 {
		l.MaxMember = DefaultMaxMember
	}
	if l.MaxTotal <= 0 {
		l.MaxTotal = DefaultMaxTotal
	}
	if l.MaxMembers <= 0 {
		l.MaxMembers = DefaultMaxMembers
	}
	if l.MaxManifest <= 0 {
		l.MaxManifest = DefaultMaxManifest
	}
	return l
}

// maxFile is the largest tar file the limits allow: the members, a
// 512-byte header and up to 511 bytes of padding each, and the end blocks.
func (l Limits) maxFile() int64 {
	return l.MaxTotal + l.MaxManifest + int64(l.MaxMembers+1)*1024 + 10240
}
