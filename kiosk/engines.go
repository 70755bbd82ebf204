package kiosk

import (
	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/scanner"
)

// engineSet is the scanner a session inspects with, and the rules it
// carries. A session holds its set from start to end, so that a rule
// update takes effect at the next session and never mid-scan; a replaced
// set is closed when its last session ends.
type engineSet struct {
	scanner *scanner.Scanner
	rules   api.Rules
	close   func() // frees the engines; nil when there is nothing to free
	users   int
	retired bool
}

// SetEngines makes sessions that start from now on scan with sc, under
// rules; close, if not nil, frees them once they are replaced and no
// session uses them any more. A running session keeps what it started
// with.
func (st *Station) SetEngines(sc *scanner.Scanner, rules api.Rules, close func()) {
	st.mu.Lock()
	old := st.engines
	st.engines = &engineSet{scanner: sc, rules: rules, close: close}
	var free func()
	if old != nil {
		old.retired = true
		if old.users == 0 {
			free = old.close
		}
	}
	st.mu.Unlock()
	if free != nil {
		free()
	}
	st.d.Log.Info("engines replaced; the next session uses them", "rules", rules.Version)
}

// acquireEngines is called, under st.mu, when a session starts.
func (st *Station) acquireEngines() *engineSet {
	st.engines.users++
	return st.engines
}

// releaseEngines is called when a session ends.
func (st *Station) releaseEngines(es *engineSet) {
	st.mu.Lock()
	es.users--
	var free func()
	if es.retired && es.users == 0 {
		free = es.close
	}
	st.mu.Unlock()
	if free != nil {
		free()
	}
}
