package kiosk

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/kiosk/config"
)

// statusClock is a clock and a staleness answer the test moves between
// statuses, as the daemon's store would.
type statusClock struct {
	mu    sync.Mutex
	now   time.Time
	stale bool
}

func (c *statusClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *statusClock) Stale() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.stale }

func (c *statusClock) set(now time.Time, stale bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now, c.stale = now, stale
}

// statusStation builds a Station that never runs a session: Status needs
// only the rules, the clock and the staleness check.
func statusStation(t *testing.T, rules api.Rules, c *statusClock) *Station {
	t.Helper()
	cfg := config.Defaults()
	cfg.Destination = t.TempDir()
	return New(cfg, Deps{Rules: rules, RulesStale: c.Stale, Now: c.Now})
}

// TestStatusRules: the status names the active rules, says how old the
// bundle is at the time of the status, and whether the station's rule
// store calls it stale (too old, near its expiry, or no bundle at all).
func TestStatusRules(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		rules api.Rules
		stale bool
		want  api.Rules
	}{
		{
			name:  "fresh bundle",
			rules: api.Rules{Name: "plant-rules", Version: "7", Count: 12, Created: now.Add(-36 * time.Hour)},
			want:  api.Rules{Name: "plant-rules", Version: "7", Count: 12, Created: now.Add(-36 * time.Hour), AgeDays: 1},
		},
		{
			name:  "stale bundle",
			rules: api.Rules{Name: "plant-rules", Version: "3", Count: 9, Created: now.AddDate(0, 0, -400)},
			stale: true,
			want:  api.Rules{Name: "plant-rules", Version: "3", Count: 9, Created: now.AddDate(0, 0, -400), AgeDays: 400, Stale: true},
		},
		{
			// Young, but the store flags it: it is within 7 days of expiry.
			name:  "bundle near expiry",
			rules: api.Rules{Name: "plant-rules", Version: "8", Count: 12, Created: now.Add(-2 * time.Hour)},
			stale: true,
			want:  api.Rules{Name: "plant-rules", Version: "8", Count: 12, Created: now.Add(-2 * time.Hour), AgeDays: 0, Stale: true},
		},
		{
			// The configured rules have no creation date, so no age; with no
			// bundle imported the store says stale.
			name:  "configured rules",
			rules: api.Rules{Name: api.RulesConfigured, Version: "sha256:0a1b", Count: 4},
			stale: true,
			want:  api.Rules{Name: api.RulesConfigured, Version: "sha256:0a1b", Count: 4, Stale: true},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &statusClock{now: now, stale: tc.stale}
			st := statusStation(t, tc.rules, c)
			if got := st.Status(context.Background()).Rules; !sameRules(got, tc.want) {
				t.Errorf("Status().Rules = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestStatusRulesAtEachStatus: age and staleness are worked out when the
// status is asked for, not when the station started: a bundle that was
// fresh at start turns stale on a station left running.
func TestStatusRulesAtEachStatus(t *testing.T) {
	created := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	c := &statusClock{now: created.Add(24 * time.Hour)}
	st := statusStation(t, api.Rules{Name: "plant-rules", Version: "5", Count: 3, Created: created}, c)
	if got := st.Status(context.Background()).Rules; got.AgeDays != 1 || got.Stale {
		t.Errorf("Status().Rules a day after creation = age %d, stale %v; want age 1, not stale", got.AgeDays, got.Stale)
	}
	c.set(created.AddDate(0, 0, 91), true)
	if got := st.Status(context.Background()).Rules; got.AgeDays != 91 || !got.Stale {
		t.Errorf("Status().Rules 91 days after creation, store says stale = age %d, stale %v; want age 91, stale", got.AgeDays, got.Stale)
	}
	// A fresh bundle imported: the status describes the new rules and
	// takes the store's word that they are no longer stale.
	newer := api.Rules{Name: "plant-rules", Version: "6", Count: 4, Created: created.AddDate(0, 0, 90)}
	st.SetEngines(nil, newer, nil)
	c.set(created.AddDate(0, 0, 93), false)
	want := newer
	want.AgeDays = 3
	if got := st.Status(context.Background()).Rules; !sameRules(got, want) {
		t.Errorf("Status().Rules after an import = %+v, want %+v", got, want)
	}
}

// sameRules compares Created as an instant, as JSON would carry it.
func sameRules(a, b api.Rules) bool {
	if !a.Created.Equal(b.Created) {
		return false
	}
	a.Created, b.Created = time.Time{}, time.Time{}
	return a == b
}
