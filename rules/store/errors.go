package store

import "errors"

// Errors Import and Rollback return, wrapped with details; test them with
// errors.Is. Refusals of the bundle itself also match ErrRefused, and the
// errors of rules/bundle (ErrUntrustedKey, ErrBadSignature, …) stay
// reachable through the chain.
var (
	// ErrAlreadyInstalled is the outcome of importing the active version
	// again, or of rolling back to it: nothing changed, nothing is wrong.
	ErrAlreadyInstalled = errors.New("rule bundle already installed")
	// ErrDowngrade refuses a version lower than the active one; only
	// Rollback may go back.
	ErrDowngrade = errors.New("rule bundle is older than the active one")
	// ErrExpired refuses a bundle past its expiry date.
	ErrExpired = errors.New("rule bundle expired")
	// ErrRulesRejected refuses a bundle with rule sources that do not
	// compile on this station. The station does not drop them and accept
	// the rest: a signed bundle is all or nothing.
	ErrRulesRejected = errors.New("rule bundle has rules that do not compile on this station")
	// ErrBadHashList refuses a bundle with a hash list line that holds no
	// digest, or a list whose digest count differs from bundle.json.
	ErrBadHashList = errors.New("rule bundle has a bad hash list")
	// ErrRefused matches every refusal of a bundle as invalid: bad or
	// untrusted signature, malformed tar, expired, rules rejected, bad
	// hash list. Not ErrAlreadyInstalled, ErrDowngrade or ErrNotKept.
	ErrRefused = errors.New("rule bundle refused")
	// ErrNotKept refuses a rollback to a version the store does not hold.
	ErrNotKept = errors.New("no such rule bundle kept on this station")
	// ErrNoActive means no bundle has been activated yet.
	ErrNoActive = errors.New("no rule bundle is active")
	// ErrCorrupt means the store on disk is not as the store left it.
	ErrCorrupt = errors.New("rule store is corrupt")
)

// refusal tags err with ErrRefused, keeping its text.
type refusal struct{ err error }

func (e *refusal) Error() string   { return e.err.Error() }
func (e *refusal) Unwrap() []error { return []error{ErrRefused, e.err} }

func refuse(err error) error { return &refusal{err} }
