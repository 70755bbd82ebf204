package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/yara"
	"github.com/sluice-ot/sluice/transfer"
)

// publisher copies clean files into a transfer as the scan decides them,
// and publishes the transfer, signed, when the scan ends.
type publisher struct {
	st      *transfer.Staging
	key     minisign.PrivateKey
	added   int
	blocked map[string]int
}

// startPublisher loads the station key and opens a staging area in dest,
// first removing what a crashed run left there.
func startPublisher(f *scanFlags, stderr io.Writer) (*publisher, error) {
	key, err := transfer.LoadPrivateKey(f.key)
	if err != nil {
		return nil, wrapUserErr(err, "give the station's secret key with --key (see 'sluice keys generate')")
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return nil, wrapUserErr(err, "give a writable destination with --out")
	}
	stale, err := transfer.CleanStale(f.out)
	if err != nil {
		return nil, wrapUserErr(err, "give a writable destination with --out")
	}
	for _, s := range stale {
		fmt.Fprintf(stderr, "sluice: removed an unfinished transfer left by an earlier run: %s\n", printable(s))
	}
	st, err := transfer.Begin(f.out, transfer.Options{StationID: f.stationID, Expires: f.expires})
	if err != nil {
		return nil, wrapUserErr(err, "give a writable destination with --out")
	}
	return &publisher{st: st, key: key, blocked: map[string]int{}}, nil
}

// add takes one result: a clean file is copied from its spool copy, the
// exact bytes that were inspected; anything else is counted by reason.
func (p *publisher) add(r *scanner.Result, spool *os.File) error {
	if r.Verdict != scanner.Clean || spool == nil {
		p.blocked[r.Cause()]++
		return nil
	}
	if _, err := p.st.Add(r.Rel, spool, r.Size, r.SHA256); err != nil {
		return err
	}
	p.added++
	return nil
}

// finish publishes the transfer, or removes the staging area when there
// is nothing clean or the scan failed. It returns the transfer's path, or
// "" when nothing was published.
func (p *publisher) finish(scanErr error, rulesVersion string) (string, error) {
	if scanErr != nil || p.added == 0 {
		return "", p.st.Abort()
	}
	path, err := p.st.Publish(p.key, transfer.Info{
		Engines: []transfer.Component{{Name: "sluice", Version: Version}, {Name: "libyara", Version: yara.LibraryVersion()}},
		Rules:   []transfer.Component{{Name: "yara", Version: rulesVersion}},
		Blocked: p.blocked,
	})
	if err != nil {
		p.st.Abort()
		return "", err
	}
	return path, nil
}

// publishError puts a failure to write the transfer in the admin's words.
func publishError(err error) error {
	switch {
	case errors.Is(err, transfer.ErrNoSpace):
		return wrapUserErr(err, "the destination is full; free space there and scan again (nothing was published)")
	case errors.Is(err, transfer.ErrReadOnly), errors.Is(err, transfer.ErrNotWritable):
		return wrapUserErr(err, "the destination is not writable; check --out (nothing was published)")
	}
	return wrapUserErr(err, "nothing was published")
}
