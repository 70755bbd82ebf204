package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-ot/sluice/kiosk/admin"
)

// AdminService is what the admin endpoints need of the station's admin
// authentication; *admin.Authenticator is one. Its errors are admin's
// sentinels: ErrBadCredentials, ErrExpired, ErrNotInitialized and
// *LockoutError.
type AdminService interface {
	Login(pin, code, peer string) (admin.Token, error)
	Check(token string) (admin.Token, error)
	Logout(token string) error
}

// ErrAdminRequired refuses a request that needs an admin: root on the
// station, or a token from AdminLogin.
var ErrAdminRequired = errors.New("admin login required")

// AdminLogin is the body of POST /v1/admin/login.
type AdminLogin struct {
	PIN  string `json:"pin"`
	TOTP string `json:"totp"`
}

// AdminSession answers a login: the bearer token and its idle expiry,
// which each use of the token pushes back.
type AdminSession struct {
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
}

// AdminIdentity says why a request counts as an admin's.
type AdminIdentity struct {
	Admin bool `json:"admin"`
	// Via is "root" (socket peer uid 0) or "token".
	Via string `json:"via"`
	// TokenID and Expires describe the token, when Via is "token".
	TokenID string     `json:"token_id,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
}

// adminError is the body of an admin endpoint's error: Error, plus a
// code the client turns back into admin's sentinel errors.
type adminError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

type (
	peerKey  struct{}
	adminKey struct{}
)

// PeerConnContext stores the credentials of the process at the other end
// of c (SO_PEERCRED) in the connection's context; set it as the API
// http.Server's ConnContext. Without it no one is root to the API, so
// root's CLI needs a login like anyone else.
func PeerConnContext(ctx context.Context, c net.Conn) context.Context {
	p, err := admin.PeerOf(c)
	if err != nil {
		return ctx
	}
	return context.WithValue(ctx, peerKey{}, p)
}

// PeerUID returns the uid of the process that made the request, when
// PeerConnContext could read it.
func PeerUID(ctx context.Context) (int, bool) {
	p, ok := ctx.Value(peerKey{}).(admin.Peer)
	return p.UID, ok
}

func peerString(ctx context.Context) string {
	if p, ok := ctx.Value(peerKey{}).(admin.Peer); ok {
		return p.String()
	}
	return "unknown"
}

// AdminFrom returns the admin a RequireAdmin handler serves, for the
// handler's own audit lines.
func AdminFrom(ctx context.Context) (AdminIdentity, bool) {
	id, ok := ctx.Value(adminKey{}).(AdminIdentity)
	return id, ok
}

// RequireAdmin serves next only to admins: a socket peer with uid 0, or a
// request with a live token (Authorization: Bearer). The uid is the whole
// rule: the touchscreen UI runs as an unprivileged user, and the socket's
// group grants the operator API only. Others get 401.
func RequireAdmin(a AdminService, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := authorize(a, r)
		if err != nil {
			writeAdminError(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), adminKey{}, id)))
	})
}

func authorize(a AdminService, r *http.Request) (AdminIdentity, error) {
	if p, ok := r.Context().Value(peerKey{}).(admin.Peer); ok && p.IsRoot() {
		return AdminIdentity{Admin: true, Via: "root"}, nil
	}
	token, ok := bearer(r)
	if !ok || a == nil {
		return AdminIdentity{}, ErrAdminRequired
	}
	t, err := a.Check(token)
	if errors.Is(err, admin.ErrExpired) {
		return AdminIdentity{}, err
	}
	if err != nil {
		return AdminIdentity{}, ErrAdminRequired
	}
	return AdminIdentity{Admin: true, Via: "token", TokenID: t.ID, Expires: &t.Expires}, nil
}

func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}

// WithAdmin serves the admin login endpoints over a and passes every
// other request to h:
//
//	POST /v1/admin/login   {"pin", "totp"} → {"token", "expires"}
//	POST /v1/admin/logout  the token in Authorization: Bearer
//	GET  /v1/admin/whoami  who counts as admin: root, or the token
//
// Bad credentials get 401 with a message that does not say which factor
// was wrong; a lockout gets 429 with Retry-After. a must not be nil.
func WithAdmin(h http.Handler, a AdminService, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/admin/login", func(w http.ResponseWriter, r *http.Request) {
		var body AdminLogin
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			writeAdminError(w, fmt.Errorf("%w: body must be {\"pin\": \"...\", \"totp\": \"...\"}", ErrInvalid))
			return
		}
		peer := peerString(r.Context())
		tok, err := a.Login(body.PIN, body.TOTP, peer)
		if err != nil {
			// Login's errors carry no secret.
			log.Warn("admin login refused", "peer", peer, "err", err)
			writeAdminError(w, err)
			return
		}
		log.Info("admin login", "peer", peer, "token_id", tok.ID)
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, AdminSession{Token: tok.Value, Expires: tok.Expires})
	})
	mux.HandleFunc("POST /v1/admin/logout", func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			writeAdminError(w, ErrAdminRequired)
			return
		}
		if err := a.Logout(token); err != nil {
			if !errors.Is(err, admin.ErrExpired) {
				err = ErrAdminRequired
			}
			writeAdminError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/admin/whoami", func(w http.ResponseWriter, r *http.Request) {
		id, err := authorize(a, r)
		if err != nil {
			writeAdminError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, id)
	})
	outer := http.NewServeMux()
	for _, p := range []string{"/v1/admin/login", "/v1/admin/logout", "/v1/admin/whoami"} {
		outer.Handle(p, mux)
	}
	outer.Handle("/", h)
	return outer
}

func writeAdminError(w http.ResponseWriter, err error) {
	var le *admin.LockoutError
	code, e := http.StatusInternalServerError, adminError{"internal error; see the station log", "internal"}
	switch {
	case errors.As(err, &le):
		w.Header().Set("Retry-After", strconv.FormatInt(int64((le.Remaining+time.Second-1)/time.Second), 10))
		code, e = http.StatusTooManyRequests, adminError{le.Error(), "locked_out"}
	case errors.Is(err, admin.ErrBadCredentials):
		code, e = http.StatusUnauthorized, adminError{admin.ErrBadCredentials.Error(), "bad_credentials"}
	case errors.Is(err, admin.ErrExpired):
		code, e = http.StatusUnauthorized, adminError{"admin session expired; log in again", "expired"}
	case errors.Is(err, ErrAdminRequired):
		code, e = http.StatusUnauthorized, adminError{ErrAdminRequired.Error(), "unauthorized"}
	case errors.Is(err, admin.ErrNotInitialized):
		code, e = http.StatusServiceUnavailable, adminError{"admin login is not set up; run 'sluice admin init' as root on the station", "not_initialized"}
	case errors.Is(err, ErrInvalid):
		code, e = http.StatusBadRequest, adminError{err.Error(), "invalid"}
	}
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sluice"`)
	}
	writeJSON(w, code, e)
}

// AdminLogin logs in with the admin PIN and a TOTP code. Errors are
// admin.ErrBadCredentials, *admin.LockoutError (errors.Is ErrLockedOut)
// and admin.ErrNotInitialized.
func (c *Client) AdminLogin(ctx context.Context, pin, code string) (token string, expires time.Time, err error) {
	var s AdminSession
	err = c.adminDo(ctx, http.MethodPost, "/v1/admin/login", "", AdminLogin{PIN: pin, TOTP: code}, &s)
	return s.Token, s.Expires, err
}

// AdminLogout ends the session of token.
func (c *Client) AdminLogout(ctx context.Context, token string) error {
	return c.adminDo(ctx, http.MethodPost, "/v1/admin/logout", token, nil, nil)
}

// AdminWhoami says whether the caller counts as admin: as root on the
// station (token may be empty), or by token. Otherwise it returns
// ErrAdminRequired or admin.ErrExpired.
func (c *Client) AdminWhoami(ctx context.Context, token string) (*AdminIdentity, error) {
	var id AdminIdentity
	if err := c.adminDo(ctx, http.MethodGet, "/v1/admin/whoami", token, nil, &id); err != nil {
		return nil, err
	}
	return &id, nil
}

// WithToken returns a client that sends token with every request, for
// the endpoints behind RequireAdmin.
func (c *Client) WithToken(token string) *Client {
	return &Client{socket: c.socket, hc: &http.Client{Transport: bearerTransport{c.hc.Transport, token}}}
}

type bearerTransport struct {
	base  http.RoundTripper
	token string
}

func (t bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.base.RoundTrip(r)
}

func (c *Client) adminDo(ctx context.Context, method, path, token string, in, out any) error {
	return c.call(ctx, method, path, token, in, out, adminResponseError)
}

// adminResponseError turns an admin endpoint's error back into the error
// it came from.
func adminResponseError(resp *http.Response) error {
	var e adminError
	json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&e)
	switch e.Code {
	case "locked_out":
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return &admin.LockoutError{Remaining: time.Duration(secs) * time.Second}
	case "bad_credentials":
		return admin.ErrBadCredentials
	case "expired":
		return admin.ErrExpired
	case "unauthorized":
		return ErrAdminRequired
	case "not_initialized":
		return admin.ErrNotInitialized
	case "invalid":
		return fmt.Errorf("%w: %s", ErrInvalid, e.Error)
	}
	return fmt.Errorf("station: %s: %s", resp.Status, e.Error)
}
