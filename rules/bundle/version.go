package bundle

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"aead.dev/minisign"
)

// SignedVersion verifies bundlePath's signature by a trusted key over the
// tar's bytes and returns the version its trusted comment names, without
// parsing the tar: the station orders the bundles of an update drive by
// it, so that nothing unverified is parsed. Open still checks the whole
// bundle, the comment against the manifest included, before any use.
func SignedVersion(bundlePath string, trusted []minisign.PublicKey) (int, error) {
	fail := func(err error) (int, error) { return 0, fmt.Errorf("signed version of %s: %w", bundlePath, err) }
	sig, err := readSignature(bundlePath)
	if err != nil {
		return fail(err)
	}
	keys, err := sig.candidates(trusted)
	if err != nil {
		return fail(err)
	}
	f, err := openBundle(bundlePath, Limits{}.withDefaults())
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	d := newDigests(f)
	if _, err := io.Copy(io.Discard, d); err != nil {
		return fail(err)
	}
	if _, err := sig.verify(d, keys); err != nil {
		return fail(err)
	}
	for _, field := range strings.Fields(sig.sig.TrustedComment) {
		if v, ok := strings.CutPrefix(field, "version:"); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				break
			}
			return n, nil
		}
	}
	return fail(fmt.Errorf("%w: trusted comment %q names no version", ErrBadSignature, sig.sig.TrustedComment))
}
