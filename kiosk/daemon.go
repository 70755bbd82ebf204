package kiosk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/audit"
	"github.com/sluice-ot/sluice/kiosk/admin"
	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/kiosk/config"
	"github.com/sluice-ot/sluice/kiosk/device"
	"github.com/sluice-ot/sluice/kiosk/mount"
	"github.com/sluice-ot/sluice/rules/store"
	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/engines"
	"github.com/sluice-ot/sluice/scanner/filetype"
	"github.com/sluice-ot/sluice/scanner/yara"
	"github.com/sluice-ot/sluice/transfer"
)

// DaemonOptions are the daemon's settings that are not in its config file.
type DaemonOptions struct {
	Version string
	Log     *slog.Logger
}

// RunDaemon runs the station until ctx ends: it cleans up what a killed
// predecessor left (mounts, staging folders, sessions marked
// interrupted), loads the engines, serves the API and runs a session for
// every drive the device watcher reports.
func RunDaemon(ctx context.Context, cfg config.Config, o DaemonOptions) error {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key, trusted, err := loadConfigured(cfg)
	if err != nil {
		return err
	}
	media := filepath.Join(cfg.StateDir, "media")
	for _, d := range []struct{ setting, dir string }{
		{"state_dir", cfg.StateDir}, {"spool_dir", cfg.SpoolDir}, {"state_dir", media}, {"state_dir", filepath.Join(cfg.StateDir, "hashdb")},
	} {
		if err := os.MkdirAll(d.dir, 0o700); err != nil {
			return cfg.Invalid(d.setting, err)
		}
	}
	mounter := &mount.Mounter{Root: media}
	cleaned, err := mounter.CleanStale()
	if err != nil {
		return fmt.Errorf("clean stale mounts: %w", err)
	}
	for _, m := range cleaned {
		log.Warn("released a mount left by a previous run", "mount", m)
	}
	if err := os.MkdirAll(cfg.Destination, 0o755); err != nil {
		return cfg.Invalid("destination", err)
	}
	stale, err := transfer.CleanStale(cfg.Destination)
	if err != nil {
		return cfg.Invalid("destination", err)
	}
	for _, s := range stale {
		log.Warn("removed an unfinished transfer left by a previous run", "path", s)
	}
	spools, err := scanner.CleanSpool(cfg.SpoolDir)
	if err != nil {
		return cfg.Invalid("spool_dir", err)
	}
	for _, s := range spools {
		log.Warn("removed a spool folder left by a previous run", "path", s)
	}
	rec, closeRecord, err := openRecord(ctx, cfg, o.Version, log)
	if err != nil {
		return err
	}
	defer closeRecord()

	rs, err := store.Open(filepath.Join(cfg.StateDir, "rules"), trusted, store.Options{
		Auditor: rec.Log, StaleAfter: time.Duration(cfg.Rules.StaleDays) * 24 * time.Hour,
	})
	if err != nil {
		return err
	}
	auth := admin.NewAuthenticator(filepath.Join(cfg.StateDir, admin.DefaultFile), admin.Options{Auditor: rec.Log})
	rules := &ruleSource{cfg: cfg, store: rs, log: log}
	// Until a signed bundle is imported, the station scans with the rule
	// files and hash lists the config names: a wrong one is the config's.
	_, bundled := rs.Active()
	if !bundled {
		if err := checkScanFiles(cfg); err != nil {
			return err
		}
	}
	set, rulesInfo, err := rules.buildAtStart()
	if err != nil {
		if !bundled {
			return scanSettingError(cfg, err)
		}
		return err
	}
	sc, err := newScanner(cfg, set)
	if err != nil {
		set.Close()
		return err
	}
	// An import or rollback, through the API or an update drive, swaps
	// the engines for the sessions that start afterwards.
	var st *Station
	ruleAPI := swappingStore{store.APIStore{S: rs}, func() error {
		set, info, err := rules.build()
		if err != nil {
			rec.Log.Append("rules.activate", map[string]any{"result": "failed", "reason": err.Error()})
			return err
		}
		sc, err := newScanner(cfg, set)
		if err != nil {
			set.Close()
			return err
		}
		st.SetEngines(sc, info, set.Close)
		return nil
	}, &sync.Mutex{}}
	st = New(cfg, Deps{
		Scanner: sc, Rules: rulesInfo, CloseEngines: set.Close, RulesStale: rules.stale,
		Updates: driveUpdater{admin: auth, rules: ruleAPI, trusted: trusted},
		Mounter: mounter, Recorder: rec, Key: key,
		Engines: []transfer.Component{{Name: "sluice", Version: o.Version}, {Name: "libyara", Version: yara.LibraryVersion()}},
		Version: o.Version, Log: log,
	})

	if err := os.MkdirAll(filepath.Dir(cfg.API.Socket), 0o755); err != nil {
		return cfg.Invalid("api.socket", err)
	}
	// loadConfigured found the group: what fails here is the socket.
	ln, err := api.Listen(cfg.API.Socket, cfg.API.Group)
	if err != nil {
		return cfg.Invalid("api.socket", err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// The API stops once the station has stopped, so that event streams
	// carry how the running session ended ("aborted: stopped"), and before
	// the record it reads and appends to is closed.
	apiCtx, stopAPI := context.WithCancel(context.WithoutCancel(ctx))
	apiDone := make(chan struct{})
	defer func() { stopAPI(); <-apiDone }()
	go func() {
		defer close(apiDone)
		h := api.WithAdmin(api.Handler(st, log), auth, log)
		h = api.WithRules(h, ruleAPI, auth, log)
		if err := api.Serve(apiCtx, ln, h); err != nil {
			cancel(fmt.Errorf("api: %w", err))
		}
	}()

	w, err := device.NewWatcher(device.Config{AcceptLoop: cfg.AcceptLoopDevices, PreferUdev: true, ReadOnly: mount.SetReadOnly, Log: log})
	if err != nil {
		return err
	}
	events := make(chan device.Event, 16)
	go func() {
		if err := w.Run(ctx, events); err != nil && ctx.Err() == nil {
			cancel(fmt.Errorf("device watcher: %w", err))
		}
	}()
	log.Info("station ready", "station", cfg.StationID, "source", w.Source(), "socket", cfg.API.Socket,
		"rules", rulesInfo.Version, "destination", cfg.Destination, "accept_loop_devices", cfg.AcceptLoopDevices)
	rec.Log.Append("station.start", map[string]any{"version": o.Version, "rules": rulesInfo.Version})
	err = st.Run(ctx, events)
	rec.Log.Append("station.stop", map[string]any{})
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// loadConfigured reads the keys the config names and looks up the API
// socket's group, before the daemon changes anything on disk, so that a
// wrong setting stops the start at once, named with the config file.
// These checks are not in config.Load: they depend on the station's
// files and groups, and Load also serves tools (sluice admin init) that
// run before the keys exist.
func loadConfigured(cfg config.Config) (minisign.PrivateKey, []minisign.PublicKey, error) {
	key, err := transfer.LoadPrivateKey(cfg.StationKey)
	if err != nil {
		return key, nil, cfg.Invalid("station_key", err)
	}
	trusted := make([]minisign.PublicKey, 0, len(cfg.TrustedRuleKeys))
	for i, p := range cfg.TrustedRuleKeys {
		k, err := transfer.LoadPublicKeys(p)
		if err != nil {
			return key, nil, cfg.Invalid(fmt.Sprintf("trusted_rule_keys[%d]", i), err)
		}
		trusted = append(trusted, k...)
	}
	if g := cfg.API.Group; g != "" {
		if _, err := user.LookupGroup(g); err != nil {
			return key, nil, cfg.Invalid("api.group", err)
		}
	}
	return key, trusted, nil
}

// checkScanFiles checks that every rule path the config names exists and
// every hash list is a regular file the station can open, so that the
// error names the setting and its index rather than only the path.
func checkScanFiles(cfg config.Config) error {
	for i, p := range cfg.Scan.Rules {
		if _, err := os.Stat(p); err != nil {
			return cfg.Invalid(fmt.Sprintf("scan.rules[%d]", i), err)
		}
	}
	for _, l := range []struct {
		setting string
		paths   []string
	}{{"scan.block_hashes", cfg.Scan.BlockHashes}, {"scan.allow_hashes", cfg.Scan.AllowHashes}} {
		for i, p := range l.paths {
			if err := regularReadable(p); err != nil {
				return cfg.Invalid(fmt.Sprintf("%s[%d]", l.setting, i), err)
			}
		}
	}
	return nil
}

// regularReadable opens p, which must be a regular file: a FIFO in its
// place would block the open.
func regularReadable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", p)
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	return f.Close()
}

// scanSettingError blames scan.rules for configured rules that exist but
// do not load (a folder without rule files, nothing that compiles);
// checkScanFiles has already tied every missing or unreadable path to its
// setting. Anything else, a hash list's content included, keeps its own
// message, which names the file.
func scanSettingError(cfg config.Config, err error) error {
	if errors.Is(err, engines.ErrRules) && len(cfg.Scan.Rules) > 0 {
		return cfg.Invalid("scan.rules", err)
	}
	return err
}

func newScanner(cfg config.Config, set *engines.Set) (*scanner.Scanner, error) {
	s := cfg.Scan
	policy := filetype.DefaultPolicy()
	policy.MaxSize = s.MaxFileSize
	sc := scanner.Config{
		Policy: policy, Workers: s.Workers, SpoolDir: cfg.SpoolDir,
		Limits: scanner.Limits{
			MaxDepth: s.MaxDepth, MaxFiles: s.MaxFiles, MaxPathLen: s.MaxPathLen,
			ArchiveDepth: s.ArchiveDepth, ArchiveMembers: s.ArchiveMembers, ArchiveBytes: s.ArchiveBytes, ArchiveRatio: s.ArchiveRatio,
		},
	}
	set.Configure(&sc)
	return scanner.New(sc)
}

// openRecord opens the history, the audit log and syslog forwarding, and
// marks sessions a killed predecessor left unfinished as interrupted.
func openRecord(ctx context.Context, cfg config.Config, version string, log *slog.Logger) (*AuditRecorder, func(), error) {
	hist, err := audit.OpenHistory(ctx, filepath.Join(cfg.StateDir, "history.db"))
	if err != nil {
		return nil, nil, err
	}
	alog, err := audit.OpenLog(filepath.Join(cfg.StateDir, "audit.log"), cfg.StationID, time.Now)
	if err != nil {
		hist.Close()
		return nil, nil, err
	}
	rec := &AuditRecorder{History: hist, Log: alog, Station: cfg.StationID,
		Engines: map[string]string{"sluice": version, "libyara": yara.LibraryVersion()}}
	if cfg.Syslog.Target != "" {
		if rec.Syslog, err = audit.NewSyslog(cfg.Syslog.Target, audit.SyslogOptions{Hostname: cfg.StationID}); err != nil {
			alog.Close()
			hist.Close()
			return nil, nil, cfg.Invalid("syslog.target", err)
		}
		// The SIEM gets the head the station starts from, then every line
		// with its anchor, admin logins and refusals included.
		rec.Syslog.Send(audit.AnchorEvent(alog.Head()))
		alog.Forward(rec.Syslog.Send)
	}
	ids, err := hist.MarkInterrupted(ctx)
	if err != nil {
		log.Error("mark interrupted sessions", "err", err)
	}
	for _, id := range ids {
		log.Warn("session was interrupted by a stop of the station", "session", id)
		alog.Append("session.interrupted", map[string]any{"session": id})
	}
	return rec, func() {
		if rec.Syslog != nil {
			// Give queued events a moment to reach the SIEM.
			sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			rec.Syslog.Close(sctx)
			cancel()
		}
		alog.Close()
		hist.Close()
	}, nil
}
