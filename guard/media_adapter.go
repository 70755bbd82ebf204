package guard

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/guard/media"
)

// guardMedia is the daemon's mediaVerifier: guard/media with the
// configured keys and folders.
type guardMedia struct{ opts media.Options }

// MediaOptions are the guard/media options cfg and keys describe.
func MediaOptions(cfg Config, keys []minisign.PublicKey, log *slog.Logger) media.Options {
	return media.Options{Trusted: keys, Now: time.Now, WorkDir: cfg.WorkDir, ExposeDir: cfg.ExposeDir, Log: log,
		UID: cfg.ExposeUID, GID: cfg.ExposeGID, Umask: os.FileMode(cfg.ExposeUmask)}
}

func newMediaVerifier(cfg Config, keys []minisign.PublicKey, log *slog.Logger) mediaVerifier {
	return guardMedia{opts: MediaOptions(cfg, keys, log)}
}

func (m guardMedia) Verify(ctx context.Context, dev string) (heldMedia, MediaResult, error) {
	v, r, err := media.Verify(ctx, dev, m.opts)
	if v == nil {
		return nil, fromMedia(r), err
	}
	return heldDrive{v}, fromMedia(r), err
}

// heldDrive is a guard/media Verified as the event loop holds it.
type heldDrive struct{ v *media.Verified }

func (h heldDrive) Release() error { return h.v.Release() }

func (h heldDrive) Expose(ctx context.Context) (func() error, error) {
	e, _, err := h.v.Expose(ctx)
	if err != nil {
		return nil, err
	}
	return e.Release, nil
}

// fromMedia keeps what the log needs of a media.Result: the drive's
// reason followed by each volume's, so a refusal names the precise cause
// (unsigned, untrusted-key, expired, changed-file, extra-file...).
func fromMedia(r media.Result) MediaResult {
	out := MediaResult{Allowed: r.Allowed, Reason: r.Reason}
	var parts []string
	for _, p := range r.Partitions {
		pr := PartitionResult{Name: p.Name, FSType: p.FSType, Label: p.Label, Transfer: p.Transfer, Valid: p.Valid}
		for _, pb := range p.Problems {
			pr.Problems = append(pr.Problems, pb.String())
		}
		out.Partitions = append(out.Partitions, pr)
		parts = append(parts, fmt.Sprintf("%s %s", p.Name, p.Reason))
	}
	if len(parts) > 0 {
		out.Reason += " (" + strings.Join(parts, ", ") + ")"
	}
	return out
}
