package media

import (
	"errors"
	"log/slog"
	"os"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/transfer"
)

// Defaults for Options.
const (
	DefaultWorkDir   = "/run/sluice-guard/verify"
	DefaultExposeDir = "/media/sluice"
	// DefaultUmask: owner and group read, others get nothing.
	DefaultUmask os.FileMode = 0o027
)

// Errors callers branch on, with errors.Is.
var (
	// ErrNotSupported: this platform has no implementation.
	ErrNotSupported = errors.New("not supported on this platform")
	// ErrNotWholeDisk: Attach was given a partition, not a whole disk.
	ErrNotWholeDisk = errors.New("not a whole disk")
	// ErrBadTarget: Check was given something that is neither a folder,
	// a regular file (an image) nor a block device.
	ErrBadTarget = errors.New("not a folder, an image or a block device")
)

// Options configure Check and Attach. Only Trusted is required.
type Options struct {
	Trusted   []minisign.PublicKey // station keys
	Now       func() time.Time     // default time.Now
	WorkDir   string               // private mount points, default DefaultWorkDir (created 0700)
	ExposeDir string               // default DefaultExposeDir
	Log       *slog.Logger         // default: discard

	// UID and GID own the files of FAT, exFAT and NTFS mounts, whose modes
	// are 0777 masked by Umask. GID also owns ExposeDir (owner root), of
	// mode 0777 masked by Umask and never writable but by root: users
	// outside GID cannot reach any exposure, whatever modes a filesystem
	// with permissions of its own (ext4, xfs...) carries. Default 0
	// (root), both.
	UID, GID int
	// Umask masks the modes above; zero means DefaultUmask (027: the
	// group reads, others get nothing). See the package documentation.
	Umask os.FileMode
	// MountTimeout bounds each mount; zero means kiosk/mount's default.
	MountTimeout time.Duration
	// Timeout bounds the whole verification (the walk and the hashing of
	// a drive); zero means no bound other than the context's.
	Timeout time.Duration
	// HostNS, when set, is the users' mount namespace (an open
	// /proc/PID/ns/mnt) while the caller runs in a private one of its
	// own: verification mounts stay in the caller's namespace, and
	// Attach carries a clone of each verified mount into HostNS at
	// ExposeDir, which is then a path of HostNS. Nil: the caller runs
	// in the users' namespace. See the package documentation.
	HostNS *os.File
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.WorkDir == "" {
		o.WorkDir = DefaultWorkDir
	}
	if o.ExposeDir == "" {
		o.ExposeDir = DefaultExposeDir
	}
	if o.Umask == 0 {
		o.Umask = DefaultUmask
	}
	o.Umask &= os.ModePerm
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Partition is the verdict on one volume of the drive: a partition, the
// whole disk of a superfloppy, or the folder given to Check.
type Partition struct {
	Name, FSType, Label, UUID string
	Transfer                  string             // transfer id when a manifest was read
	Valid                     bool               // it carries a valid transfer
	Problems                  []transfer.Problem // from transfer.Verify, plus media-level ones

	Device  string // /dev/loop0p1, /dev/sdb, or the folder
	Driver  string // kiosk/mount driver that mounted it, when mounted
	Reason  string // this volume's own reason: ReasonValid or a problem's
	Exposed string // where Attach exposed it, when it did
}

// Result is the verdict on a whole drive.
type Result struct {
	Allowed    bool
	Reason     string // ReasonValid, or why the drive is blocked
	Partitions []Partition
}

// Reasons. A Result's Reason is ReasonValid when it is allowed; otherwise
// it is ReasonMixed when some volume is valid and another is not, or else
// the most severe reason of its volumes (see reasonRank).
const (
	ReasonValid = "valid"

	// Media-level problems, added by this package.
	ReasonUnreadable   = "unreadable"             // a volume could not be probed, or a file not read
	ReasonUnmountable  = "unmountable"            // a volume has a filesystem that did not mount
	ReasonUnsupported  = "unsupported-filesystem" // a volume holds something that cannot be verified (LUKS, swap, a type not allowed)
	ReasonNoFS         = "no-filesystem"          // nothing on the drive carries a filesystem
	ReasonNoTransfer   = "no-transfer"            // a volume without .sluice/ at its root
	ReasonMixed        = "mixed-partitions"       // a valid transfer beside a volume that is not one
	ReasonTimeout      = "timeout"                // verification did not end in Options.Timeout
	ReasonExposeFailed = "expose-failed"          // valid, but Attach could not expose it (and returned an error)

	// From transfer.Verify, through reasonFor.
	ReasonUnsigned      = "unsigned"           // no signature, or no manifest to sign
	ReasonBadSignature  = "bad-signature"      // a signature that does not verify (forged or corrupted)
	ReasonUntrustedKey  = "untrusted-key"      // signed by a key not in Options.Trusted
	ReasonCommentBad    = "comment-mismatch"   // signed comment disagrees with the manifest
	ReasonMalformed     = "malformed-manifest" // the manifest does not parse
	ReasonExpired       = "expired"
	ReasonChangedFile   = "changed-file" // content or size differs from the manifest
	ReasonMissingFile   = "missing-file"
	ReasonExtraFile     = "extra-file"
	ReasonExtraDir      = "extra-dir"
	ReasonSymlink       = "symlink"
	ReasonNotRegular    = "not-regular"
	ReasonUnknownReason = "invalid" // a problem kind this package does not know
)

// Problem kinds this package adds to transfer's.
const (
	ProblemNoTransfer  = ReasonNoTransfer
	ProblemNoFS        = ReasonNoFS
	ProblemUnmountable = ReasonUnmountable
	ProblemUnsupported = ReasonUnsupported
	ProblemTimeout     = ReasonTimeout
)

// reasonFor maps a problem kind to the reason it gives.
func reasonFor(kind string) string {
	switch kind {
	case transfer.ProblemMissingManifest, transfer.ProblemUnsigned:
		return ReasonUnsigned
	case transfer.ProblemSizeMismatch, transfer.ProblemChangedFile:
		return ReasonChangedFile
	case transfer.ProblemBadSignature, transfer.ProblemUntrustedKey, transfer.ProblemCommentMismatch,
		transfer.ProblemMalformedManifest, transfer.ProblemExpired, transfer.ProblemMissingFile,
		transfer.ProblemExtraFile, transfer.ProblemExtraDir, transfer.ProblemSymlink,
		transfer.ProblemNotRegular, transfer.ProblemUnreadable,
		ProblemNoTransfer, ProblemNoFS, ProblemUnmountable, ProblemUnsupported, ProblemTimeout:
		return kind
	}
	return ReasonUnknownReason
}

// reasonRank orders reasons, most severe first: what stops verification
// altogether, then whether there is an authentic transfer at all, then
// whether it is still in force, then what differs from it.
var reasonRank = []string{
	ReasonUnmountable, ReasonUnsupported, ReasonTimeout, ReasonNoFS, ReasonNoTransfer,
	ReasonUnsigned, ReasonMalformed, ReasonBadSignature, ReasonUntrustedKey, ReasonCommentBad,
	ReasonExpired,
	ReasonChangedFile, ReasonMissingFile, ReasonExtraFile, ReasonExtraDir, ReasonSymlink,
	ReasonNotRegular, ReasonUnreadable, ReasonUnknownReason,
}

func rank(reason string) int {
	for i, r := range reasonRank {
		if r == reason {
			return i
		}
	}
	return len(reasonRank)
}

// worst returns the most severe reason among problems, "" for none.
func worst(problems []transfer.Problem) string {
	best := ""
	for _, p := range problems {
		if r := reasonFor(p.Kind); best == "" || rank(r) < rank(best) {
			best = r
		}
	}
	return best
}

// judge applies the drive rule to its volumes: each volume is valid when
// it has no problem, and the drive is allowed only when every volume that
// carries a filesystem is valid, and there is at least one. Volumes
// without a filesystem (FSType "" and no problem) do not count.
func judge(parts []Partition) Result {
	res := Result{Partitions: parts}
	var valid, counted int
	best := ""
	for i := range parts {
		p := &parts[i]
		p.Valid = false
		if r := worst(p.Problems); r != "" {
			p.Reason = r
			if best == "" || rank(r) < rank(best) {
				best = r
			}
			counted++
			continue
		}
		if p.FSType == "" && p.Transfer == "" {
			p.Reason = ReasonNoFS
			continue // nothing there: no filesystem, nothing to expose
		}
		p.Valid, p.Reason = true, ReasonValid
		valid++
		counted++
	}
	switch {
	case counted == 0:
		res.Reason = ReasonNoFS
	case valid == counted:
		res.Allowed, res.Reason = true, ReasonValid
	case valid > 0:
		res.Reason = ReasonMixed
	default:
		res.Reason = best
	}
	return res
}
