package kiosk

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/kiosk/config"
	"github.com/sluice-ot/sluice/rules/store"
	"github.com/sluice-ot/sluice/scanner/engines"
)

// ruleSource builds the station's engines: from the active signed rule
// bundle once one is installed, else from the rule files and hash lists
// the config names (with the built-in rules in both cases).
type ruleSource struct {
	cfg   config.Config
	store *store.Store
	log   *slog.Logger
}

func (r *ruleSource) build() (*engines.Set, api.Rules, error) {
	set, in, err := r.store.Engines(r.cfg.Scan.Timeout.Duration)
	if errors.Is(err, store.ErrNoActive) {
		set, err = engines.Load(engines.Options{
			Rules: r.cfg.Scan.Rules, WithDefaults: true, BlockHashes: r.cfg.Scan.BlockHashes, AllowHashes: r.cfg.Scan.AllowHashes,
			HashCache: filepath.Join(r.cfg.StateDir, "hashdb"), Timeout: r.cfg.Scan.Timeout.Duration,
		})
		if err != nil {
			return nil, api.Rules{}, err
		}
		for _, rj := range set.Rules.Rejects() {
			r.log.Warn("rule file rejected", "file", rj.File, "error", rj.Message)
		}
		for _, b := range set.HashRejects {
			r.log.Warn("hash list line rejected", "file", b.File, "line", b.Line, "reason", b.Reason)
		}
		return set, api.Rules{Name: "configured rules", Version: set.Version(), Count: set.Rules.Count()}, nil
	}
	if err != nil {
		return nil, api.Rules{}, fmt.Errorf("active rule bundle: %w", err)
	}
	return set, api.Rules{Name: in.Name, Version: strconv.Itoa(in.Version), Count: set.Rules.Count(), Created: in.Created}, nil
}

// stale says whether the active rules are stale now: no bundle ever
// imported counts, so the UI can show it.
func (r *ruleSource) stale() bool {
	stale, _ := r.store.Stale(time.Now())
	return stale
}

// swappingStore applies a successful import or rollback to the station:
// sessions that start afterwards scan with the new rules, while a running
// session keeps those it started with.
type swappingStore struct {
	store.APIStore
	swap func() error
	// mu holds a change and its swap together, so that two changes (the
	// API and an update drive) cannot end with the older engines in use.
	mu *sync.Mutex
}

func (s swappingStore) ImportRules(path, who string) (api.RuleBundle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.APIStore.ImportRules(path, who)
	if err == nil {
		err = s.swap()
	}
	return b, err
}

func (s swappingStore) RollbackRules(version int, who string) (api.RuleBundle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.APIStore.RollbackRules(version, who)
	if err == nil {
		err = s.swap()
	}
	return b, err
}

// driveUpdater imports the bundles of an update drive while an admin is
// logged in, through the same checks and engine swap as the API.
type driveUpdater struct {
	admin interface{ Active() bool }
	rules swappingStore
}

func (u driveUpdater) AdminPresent() bool { return u.admin.Active() }

func (u driveUpdater) Import(path, who string) (api.RuleBundle, error) {
	return u.rules.ImportRules(path, who)
}
