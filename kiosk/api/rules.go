package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"
)

// RuleStore is what the rules endpoints need of the station's rule
// store. Its errors wrap ErrRulesInstalled, ErrRulesDowngrade,
// ErrRulesRefused, ErrRulesNotKept or ErrInvalid for the server to map;
// anything else is an internal error. who names the admin, for the audit.
type RuleStore interface {
	Rules() RulesList
	ImportRules(path, who string) (RuleBundle, error)
	RollbackRules(version int, who string) (RuleBundle, error)
}

// Errors of the rules endpoints, as the client returns them.
var (
	// ErrRulesInstalled: the version is the active one. Nothing changed.
	ErrRulesInstalled = errors.New("rule bundle already installed")
	// ErrRulesDowngrade: the version is below the active one.
	ErrRulesDowngrade = errors.New("rule bundle is older than the active one")
	// ErrRulesRefused: the bundle failed a check (signature, expiry,
	// rules that do not compile, a bad hash list, a malformed tar).
	ErrRulesRefused = errors.New("rule bundle refused")
	// ErrRulesNotKept: a rollback to a version the station does not keep.
	ErrRulesNotKept = errors.New("no such rule bundle kept on this station")
)

// RuleBundle is an installed rule bundle.
type RuleBundle struct {
	Name         string     `json:"name"`
	Version      int        `json:"version"`
	Created      time.Time  `json:"created"`
	Expires      *time.Time `json:"expires,omitempty"`
	SHA256       string     `json:"sha256"`
	KeyID        string     `json:"key_id"`
	InstalledAt  time.Time  `json:"installed_at"`
	InstalledBy  string     `json:"installed_by"`
	Rules        int        `json:"rules"`
	RuleFiles    int        `json:"rule_files"`
	BlockEntries int        `json:"block_entries"`
	AllowEntries int        `json:"allow_entries"`
	Active       bool       `json:"active"`
}

// RulesList answers GET /v1/rules: the bundles kept, newest first, the
// active one included, and whether the active rules are stale.
type RulesList struct {
	Active      *RuleBundle  `json:"active,omitempty"`
	Bundles     []RuleBundle `json:"bundles"`
	Stale       bool         `json:"stale"`
	StaleReason string       `json:"stale_reason,omitempty"`
}

// RulesImport is the body of POST /v1/rules/import: an absolute path the
// daemon can read, with the .minisig beside it.
type RulesImport struct {
	Path string `json:"path"`
}

// RulesRollback is the body of POST /v1/rules/rollback.
type RulesRollback struct {
	Version int `json:"version"`
}

// WithRules serves the rule store's endpoints over rs and passes every
// other request to h:
//
//	GET  /v1/rules           the kept bundles and staleness; any API user
//	POST /v1/rules/import    {"path"}    admin only → the bundle installed
//	POST /v1/rules/rollback  {"version"} admin only → the bundle activated
//
// Already installed and downgrade get 409, a refused bundle 422, an
// unknown version 404, not an admin 401; the body is {"error", "code"}.
func WithRules(h http.Handler, rs RuleStore, a AdminService, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/rules", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, rs.Rules())
	})
	mux.Handle("POST /v1/rules/import", RequireAdmin(a, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body RulesImport
		if err := decodeBody(w, r, &body); err != nil || body.Path == "" {
			writeRulesError(w, log, fmt.Errorf("%w: body must be {\"path\": \"/absolute/path/to/BUNDLE.tar\"}", ErrInvalid))
			return
		}
		if !filepath.IsAbs(body.Path) {
			writeRulesError(w, log, fmt.Errorf("%w: bundle path %q is not absolute", ErrInvalid, body.Path))
			return
		}
		who := adminName(r.Context())
		b, err := rs.ImportRules(filepath.Clean(body.Path), who)
		if err != nil {
			log.Warn("rule bundle not imported", "path", body.Path, "by", who, "err", err)
			writeRulesError(w, log, err)
			return
		}
		log.Info("rule bundle imported", "name", b.Name, "version", b.Version, "by", who)
		writeJSON(w, http.StatusOK, b)
	})))
	mux.Handle("POST /v1/rules/rollback", RequireAdmin(a, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body RulesRollback
		if err := decodeBody(w, r, &body); err != nil || body.Version < 1 {
			writeRulesError(w, log, fmt.Errorf("%w: body must be {\"version\": N} with N 1 or more", ErrInvalid))
			return
		}
		who := adminName(r.Context())
		b, err := rs.RollbackRules(body.Version, who)
		if err != nil {
			log.Warn("rule bundle not rolled back", "version", body.Version, "by", who, "err", err)
			writeRulesError(w, log, err)
			return
		}
		log.Info("rule bundle rolled back", "name", b.Name, "version", b.Version, "by", who)
		writeJSON(w, http.StatusOK, b)
	})))
	outer := http.NewServeMux()
	for _, p := range []string{"/v1/rules", "/v1/rules/import", "/v1/rules/rollback"} {
		outer.Handle(p, mux)
	}
	outer.Handle("/", h)
	return outer
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// adminName names the admin of a RequireAdmin request for the audit: the
// peer process and how it counts as admin, never the token itself.
func adminName(ctx context.Context) string {
	id, _ := AdminFrom(ctx)
	who := id.Via
	if id.Via == "token" {
		who = "token " + id.TokenID
	}
	return who + " (" + peerString(ctx) + ")"
}

// rulesCodes are the error codes of the rules endpoints.
var rulesCodes = []struct {
	err  error
	code string
	http int
}{
	{ErrRulesInstalled, "already_installed", http.StatusConflict},
	{ErrRulesDowngrade, "downgrade", http.StatusConflict},
	{ErrRulesRefused, "refused", http.StatusUnprocessableEntity},
	{ErrRulesNotKept, "not_kept", http.StatusNotFound},
	{ErrInvalid, "invalid", http.StatusBadRequest},
}

func writeRulesError(w http.ResponseWriter, log *slog.Logger, err error) {
	for _, c := range rulesCodes {
		if errors.Is(err, c.err) {
			// An admin needs the reason: which check failed, and why.
			writeJSON(w, c.http, adminError{err.Error(), c.code})
			return
		}
	}
	log.Error("rule store", "err", err)
	writeJSON(w, http.StatusInternalServerError, adminError{"internal error; see the station log", "internal"})
}

// RulesList returns the station's rule bundles and whether its rules are
// stale.
func (c *Client) RulesList(ctx context.Context) (*RulesList, error) {
	var l RulesList
	if err := c.rulesDo(ctx, http.MethodGet, "/v1/rules", nil, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// RulesImport asks the station to import the bundle at path, which must be
// absolute and readable by the daemon. Errors: ErrRulesInstalled,
// ErrRulesDowngrade, ErrRulesRefused, ErrInvalid, ErrAdminRequired.
func (c *Client) RulesImport(ctx context.Context, path string) (*RuleBundle, error) {
	var b RuleBundle
	if err := c.rulesDo(ctx, http.MethodPost, "/v1/rules/import", RulesImport{Path: path}, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// RulesRollback activates a kept version. Errors: ErrRulesNotKept,
// ErrRulesInstalled (already active), ErrRulesRefused (it no longer
// verifies), ErrAdminRequired.
func (c *Client) RulesRollback(ctx context.Context, version int) (*RuleBundle, error) {
	var b RuleBundle
	if err := c.rulesDo(ctx, http.MethodPost, "/v1/rules/rollback", RulesRollback{Version: version}, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

func (c *Client) rulesDo(ctx context.Context, method, path string, in, out any) error {
	return c.call(ctx, method, path, "", in, out, rulesResponseError)
}

// rulesResponseError turns an error of the rules endpoints back into its
// sentinel, and one of RequireAdmin into admin's.
func rulesResponseError(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	var e adminError
	json.Unmarshal(raw, &e)
	for _, c := range rulesCodes {
		if e.Code == c.code {
			return &remoteError{c.err, e.Error}
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	return adminResponseError(resp)
}

// remoteError is the daemon's message, which already names the sentinel,
// matching it with errors.Is.
type remoteError struct {
	sentinel error
	msg      string
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.sentinel }
