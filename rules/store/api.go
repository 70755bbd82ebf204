package store

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/sluice-ot/sluice/kiosk/api"
)

// APIStore serves the store to the daemon's API (api.WithRules): it turns
// the store's types into wire types and its errors into the API's
// sentinels. kiosk/api cannot import the store, which links libyara.
type APIStore struct {
	S *Store
}

var _ api.RuleStore = APIStore{}

// Rules lists the bundles and the staleness of the active one.
func (a APIStore) Rules() api.RulesList {
	l := api.RulesList{Bundles: []api.RuleBundle{}}
	for _, in := range a.S.List() {
		b := wire(in)
		l.Bundles = append(l.Bundles, b)
		if in.Active {
			l.Active = &b
		}
	}
	l.Stale, l.StaleReason = a.S.Stale(a.S.opts.Now())
	return l
}

// ImportRules imports the bundle at path; see Store.Import.
func (a APIStore) ImportRules(path, who string) (api.RuleBundle, error) {
	res, err := a.S.Import(path, who)
	if err != nil {
		return api.RuleBundle{}, apiError(err)
	}
	return wire(res.Bundle), nil
}

// RollbackRules activates a kept version; see Store.Rollback.
func (a APIStore) RollbackRules(version int, who string) (api.RuleBundle, error) {
	in, err := a.S.Rollback(version, who)
	if err != nil {
		return api.RuleBundle{}, apiError(err)
	}
	return wire(in), nil
}

func apiError(err error) error {
	var sentinel error
	switch {
	case errors.Is(err, ErrAlreadyInstalled):
		sentinel = api.ErrRulesInstalled
	case errors.Is(err, ErrDowngrade):
		sentinel = api.ErrRulesDowngrade
	case errors.Is(err, ErrNotKept):
		sentinel = api.ErrRulesNotKept
	case errors.Is(err, ErrRefused):
		sentinel = api.ErrRulesRefused
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		// The path given is not a file the daemon can read.
		sentinel = api.ErrInvalid
	default:
		return err
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}

func wire(in Installed) api.RuleBundle {
	return api.RuleBundle{
		Name: in.Name, Version: in.Version, Created: in.Created, Expires: in.Expires,
		SHA256: in.SHA256, KeyID: in.KeyID, InstalledAt: in.InstalledAt, InstalledBy: in.By,
		Rules: in.Rules, RuleFiles: in.RuleFiles, BlockEntries: in.BlockEntries, AllowEntries: in.AllowEntries,
		Active: in.Active,
	}
}
