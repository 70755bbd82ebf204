package kiosk

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/kiosk/config"
	"github.com/sluice-ot/sluice/rules/bundle"
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
		return set, api.Rules{Name: api.RulesConfigured, Version: set.Version(), Count: set.Rules.Count()}, nil
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

// buildAtStart builds the engines the daemon starts with. If the active
// bundle no longer loads (libyara changed, a table was damaged), the
// station falls back to the newest kept bundle below it that does,
// through an audited rollback, rather than not starting at all or
// scanning with rules older than signed ones. Kept bundles above the
// active one are not tried: an admin rolled back from them on purpose.
// With no bundle that loads, the start fails: there are signed rules,
// and the station does not silently scan without them.
func (r *ruleSource) buildAtStart() (*engines.Set, api.Rules, error) {
	set, info, err := r.build()
	active, ok := r.store.Active()
	if err == nil || !ok {
		return set, info, err
	}
	r.log.Error("active rule bundle does not load", "version", active.Version, "error", err)
	for _, in := range r.store.List() {
		if in.Version >= active.Version {
			continue
		}
		who := fmt.Sprintf("station: rule bundle %d does not load", active.Version)
		if _, rerr := r.store.Rollback(in.Version, who); rerr != nil {
			r.log.Error("fallback rule bundle refused", "version", in.Version, "error", rerr)
			continue
		}
		set, info, berr := r.build()
		if berr == nil {
			r.log.Warn("started with an older rule bundle", "version", in.Version, "instead_of", active.Version)
			return set, info, nil
		}
		r.log.Error("fallback rule bundle does not load", "version", in.Version, "error", berr)
	}
	return nil, api.Rules{}, err
}

// swappingStore applies a successful import or rollback to the station:
// sessions that start afterwards scan with the new rules, while a running
// session keeps those it started with. If the new engines cannot be
// built, the version that was active is activated again, so that what
// the store calls active is always what the station scans with.
type swappingStore struct {
	store.APIStore
	swap func() error
	// mu holds a change and its swap together, so that two changes (the
	// API and an update drive) cannot end with the older engines in use.
	mu *sync.Mutex
}

func (s swappingStore) ImportRules(path, who string) (api.RuleBundle, error) {
	return s.change(func() (api.RuleBundle, error) { return s.APIStore.ImportRules(path, who) })
}

func (s swappingStore) RollbackRules(version int, who string) (api.RuleBundle, error) {
	return s.change(func() (api.RuleBundle, error) { return s.APIStore.RollbackRules(version, who) })
}

func (s swappingStore) change(op func() (api.RuleBundle, error)) (api.RuleBundle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, hadPrev := s.S.Active()
	b, err := op()
	if err != nil {
		return b, err
	}
	serr := s.swap()
	if serr == nil {
		return b, nil
	}
	if !hadPrev {
		// Nothing signed to go back to: the station keeps the engines it
		// runs, and the next start refuses the bundle that does not load.
		return b, fmt.Errorf("rule bundle %d is installed but does not load: %w", b.Version, serr)
	}
	if _, rerr := s.S.Rollback(prev.Version, "station: rule bundle "+strconv.Itoa(b.Version)+" does not load"); rerr != nil {
		return b, fmt.Errorf("rule bundle %d does not load (%w), and restoring version %d failed: %w", b.Version, serr, prev.Version, rerr)
	}
	return b, fmt.Errorf("rule bundle %d does not load, version %d is active again: %w", b.Version, prev.Version, serr)
}

// driveUpdater imports the bundles of an update drive while an admin is
// logged in, through the same checks and engine swap as the API.
type driveUpdater struct {
	admin   interface{ Active() bool }
	rules   swappingStore
	trusted []minisign.PublicKey
}

func (u driveUpdater) SignedVersion(path string) (int, error) {
	return bundle.SignedVersion(path, u.trusted)
}

func (u driveUpdater) AdminPresent() bool { return u.admin.Active() }

func (u driveUpdater) Import(path, who string) (api.RuleBundle, error) {
	return u.rules.ImportRules(path, who)
}
