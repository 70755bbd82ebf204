package guard

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/sluice-ot/sluice/audit/syslog"
	"github.com/sluice-ot/sluice/guard/media"
	"github.com/sluice-ot/sluice/guard/uevent"
	"github.com/sluice-ot/sluice/transfer"
)

// RunDaemon runs the guard with cfg until ctx is done, logging to stderr
// (or to the journal's native socket when systemd runs it). hostNS, when
// set, is the users' mount namespace while the guard runs in a private
// one of its own (ReexecInPrivateNamespace): valid media are exposed
// there, and the verification mounts never are. Nil: the guard runs in
// the users' namespace.
func RunDaemon(ctx context.Context, cfg Config, hostNS *os.File, stderr io.Writer) error {
	log := NewLogger(cfg, stderr)
	keys, err := transfer.LoadPublicKeys(cfg.TrustedKeys...)
	if err != nil {
		return fmt.Errorf("trusted keys: %w", err)
	}
	// The socket opens before anything is read from sysfs, so no event
	// falls between the initial scan and the loop.
	conn, err := uevent.Open()
	if err != nil {
		return err
	}
	defer conn.Close()
	rep := &reporter{log: log}
	if cfg.Syslog.Target != "" {
		s, err := syslog.New(cfg.Syslog.Target, syslog.Options{Hostname: cfg.Hostname})
		if err != nil {
			return err
		}
		rep.syslog = s
		defer func() {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.Close(cctx); err != nil {
				log.Warn("syslog messages dropped at exit", "err", err, "dropped", s.Dropped())
			}
		}()
	}
	// A killed guard may have left verification mounts and exposures.
	mopts := MediaOptions(cfg, keys, log)
	mopts.HostNS = hostNS
	if cleaned, err := media.CleanStale(mopts); err != nil {
		log.Error("clean up after a previous run", "err", err, "cleaned", cleaned)
	} else if len(cleaned) > 0 {
		log.Warn("cleaned up after a previous run", "mounts", cleaned)
	}
	m := guardMedia{opts: mopts}
	g := newGuard(cfg, conn, m, sysfsDisks("/dev"), rep, readBootID())
	log.Info("sluice-guard starting", "sysfs_root", cfg.SysfsRoot, "trusted_keys", len(keys),
		"deauthorize_invalid", cfg.DeauthorizeInvalid, "keep_present_input", cfg.KeepPresentInput,
		"private_mount_namespace", hostNS != nil)
	err = g.Run(ctx)
	log.Info("sluice-guard stopped", "err", err)
	return err
}

// NewLogger returns the guard's logger at cfg's level: the journal's
// native socket when systemd runs the guard, else text lines on stderr
// (values from devices are quoted and escaped by the text handler).
func NewLogger(cfg Config, stderr io.Writer) *slog.Logger {
	level, _ := cfg.level()
	text := slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	if journalAvailable() {
		if h, err := newJournalHandler(level, text); err == nil {
			return slog.New(h)
		}
	}
	return slog.New(text)
}
