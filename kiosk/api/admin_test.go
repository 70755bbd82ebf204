package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/kiosk/admin"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type auditBuf struct {
	mu    sync.Mutex
	lines []string
}

func (a *auditBuf) Append(typ string, data any) error {
	b, _ := json.Marshal(data)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lines = append(a.lines, typ+" "+string(b))
	return nil
}

func (a *auditBuf) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.Join(a.lines, "\n")
}

const adminPIN = "480915"

type adminFixture struct {
	auth  *admin.Authenticator
	clk   *testClock
	audit *auditBuf
	key   []byte
	path  string
}

func newAdminFixture(t *testing.T, dir string) *adminFixture {
	t.Helper()
	f := &adminFixture{clk: &testClock{t: time.Date(2025, 3, 14, 9, 26, 35, 0, time.UTC)}, audit: &auditBuf{},
		path: filepath.Join(dir, admin.DefaultFile)}
	secret, _, err := admin.Init(f.path, adminPIN, admin.InitOptions{Station: "gate-1",
		Params: admin.Params{Time: 1, MemoryKiB: 64, Threads: 1}, Now: f.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.key, _ = admin.DecodeSecret(secret)
	f.auth = admin.NewAuthenticator(f.path, admin.Options{Auditor: f.audit, Now: f.clk.Now})
	return f
}

func (f *adminFixture) code() string { return admin.TOTP(f.key, f.clk.Now(), admin.Digits) }

// serveAdmin serves a stand-in for the daemon's API: GET /v1/status, and
// GET /v1/rules behind RequireAdmin, answering with the admin identity.
// With peers, connections carry their peer credentials, as in the daemon.
func serveAdmin(t *testing.T, dir string, a AdminService, peers bool) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, Status{StationID: "gate-1"})
	})
	mux.Handle("GET /v1/rules", RequireAdmin(a, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := AdminFrom(r.Context())
		writeJSON(w, http.StatusOK, id)
	})))
	sock := filepath.Join(dir, "api.sock")
	ln, err := Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: WithAdmin(mux, a, nil), ReadHeaderTimeout: 10 * time.Second}
	if peers {
		srv.ConnContext = PeerConnContext
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sock
}

// rules calls the endpoint behind RequireAdmin.
func rules(c *Client) (AdminIdentity, error) {
	var id AdminIdentity
	return id, c.do(context.Background(), http.MethodGet, "/v1/rules", nil, &id)
}

// Without peer credentials (as for any uid but 0), only a token is admin.
func TestAdminLoginOverSocket(t *testing.T) {
	dir := t.TempDir()
	f := newAdminFixture(t, dir)
	c := NewClient(serveAdmin(t, dir, f.auth, false))
	ctx := context.Background()

	if s, err := c.Status(ctx); err != nil || s.StationID != "gate-1" {
		t.Errorf("Status through WithAdmin = %+v, %v", s, err)
	}
	if _, err := c.AdminWhoami(ctx, ""); !errors.Is(err, ErrAdminRequired) {
		t.Errorf("AdminWhoami without token = %v, want ErrAdminRequired", err)
	}
	if _, err := rules(c); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("admin endpoint without token = %v, want 401", err)
	}
	token, expires, err := c.AdminLogin(ctx, adminPIN, f.code())
	if err != nil || len(token) != 64 || !expires.Equal(f.clk.Now().Add(5*time.Minute)) {
		t.Fatalf("AdminLogin = %q, %v, %v", token, expires, err)
	}
	id, err := c.AdminWhoami(ctx, token)
	if err != nil || !id.Admin || id.Via != "token" || id.TokenID != admin.TokenID(token) {
		t.Errorf("AdminWhoami(token) = %+v, %v", id, err)
	}
	if id, err := rules(c.WithToken(token)); err != nil || id.Via != "token" {
		t.Errorf("admin endpoint with token = %+v, %v", id, err)
	}
	f.clk.Advance(6 * time.Minute)
	if _, err := c.AdminWhoami(ctx, token); !errors.Is(err, admin.ErrExpired) {
		t.Errorf("AdminWhoami after the idle expiry = %v, want ErrExpired", err)
	}

	f.clk.Advance(admin.Period)
	token, _, err = c.AdminLogin(ctx, adminPIN, f.code())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AdminLogout(ctx, token); err != nil {
		t.Errorf("AdminLogout = %v", err)
	}
	if err := c.AdminLogout(ctx, token); !errors.Is(err, ErrAdminRequired) {
		t.Errorf("AdminLogout twice = %v, want ErrAdminRequired", err)
	}
	if _, err := rules(c.WithToken(token)); err == nil {
		t.Error("admin endpoint accepts a token after logout")
	}
	if _, _, err := c.AdminLogin(ctx, "", ""); !errors.Is(err, admin.ErrBadCredentials) {
		t.Errorf("AdminLogin with nothing = %v, want ErrBadCredentials", err)
	}
	os.Remove(f.path)
	if _, _, err := c.AdminLogin(ctx, adminPIN, f.code()); !errors.Is(err, admin.ErrNotInitialized) {
		t.Errorf("AdminLogin without credentials = %v, want ErrNotInitialized", err)
	}
}

// The wire: 401 with a generic message, then 429 with Retry-After.
func TestAdminLoginStatuses(t *testing.T) {
	dir := t.TempDir()
	f := newAdminFixture(t, dir)
	c := NewClient(serveAdmin(t, dir, f.auth, false))
	post := func(body string) (*http.Response, adminError) {
		t.Helper()
		resp, err := c.hc.Post("http://sluice/v1/admin/login", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e adminError
		json.NewDecoder(resp.Body).Decode(&e)
		return resp, e
	}
	if resp, _ := post(`{"pin": "1", "extra": 2}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("login with an unknown field: %s, want 400", resp.Status)
	}
	for _, body := range []string{
		`{"pin": "480916", "totp": "` + f.code() + `"}`, // wrong PIN
		`{"pin": "480915", "totp": "000000"}`,           // wrong code
	} {
		resp, e := post(body)
		if resp.StatusCode != http.StatusUnauthorized || e.Error != "wrong PIN or code" || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("bad login: %s %+v, want 401 with a message naming no factor", resp.Status, e)
		}
	}
	resp, e := post(`{"pin": "480916", "totp": "000000"}`)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "30" || e.Code != "locked_out" {
		t.Errorf("third bad login: %s, Retry-After %q, %+v; want 429 and 30", resp.Status, resp.Header.Get("Retry-After"), e)
	}
	f.clk.Advance(12 * time.Second)
	_, _, err := c.AdminLogin(context.Background(), adminPIN, f.code())
	var le *admin.LockoutError
	if !errors.As(err, &le) || le.Remaining != 18*time.Second || !errors.Is(err, admin.ErrLockedOut) {
		t.Errorf("AdminLogin while locked = %v, want a lockout with 18 s left", err)
	}
	if !strings.Contains(f.audit.String(), "peer\":\"unknown") {
		t.Errorf("audit without peer credentials should say so:\n%s", f.audit)
	}
}

// Root on the station's shell is admin without a login; another user is
// not, and must log in (run as nobody by a copy of this test binary).
func TestAdminPeerCredentials(t *testing.T) {
	testenv.Root(t, "checking socket peer credentials of root and of another user")
	dir, err := os.MkdirTemp("", "sluice-admin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	f := newAdminFixture(t, dir)
	sock := serveAdmin(t, dir, f.auth, true)
	os.Chmod(sock, 0o666) // let nobody in; the API's 0660 is not under test here

	c := NewClient(sock)
	id, err := c.AdminWhoami(context.Background(), "")
	if err != nil || !id.Admin || id.Via != "root" {
		t.Errorf("AdminWhoami as root = %+v, %v; want admin via root", id, err)
	}
	if id, err := rules(c); err != nil || id.Via != "root" {
		t.Errorf("admin endpoint as root = %+v, %v", id, err)
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	copyExe := filepath.Join(dir, "admin.test")
	if err := os.WriteFile(copyExe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(copyExe)
	cmd.Env = append(os.Environ(), "SLUICE_API_ADMIN_CHILD="+sock, "SLUICE_API_ADMIN_CODE="+f.code())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child as nobody: %v\n%s", err, out)
	}
	if !strings.Contains(f.audit.String(), `"peer":"uid=65534 gid=65534 pid=`) {
		t.Errorf("the login as nobody is not audited with its peer:\n%s", f.audit)
	}
}

// adminPeerChild is TestAdminPeerCredentials's child, run as nobody from
// TestMain: without root's peer credentials it must need a token.
func adminPeerChild(sock, code string) error {
	if os.Getuid() == 0 {
		return errors.New("the child must not run as root")
	}
	c := NewClient(sock)
	ctx := context.Background()
	if id, err := c.AdminWhoami(ctx, ""); !errors.Is(err, ErrAdminRequired) {
		return fmt.Errorf("AdminWhoami as nobody = %+v, %v; want ErrAdminRequired", id, err)
	}
	if _, err := rules(c); err == nil {
		return errors.New("admin endpoint answered nobody without a token")
	}
	token, _, err := c.AdminLogin(ctx, adminPIN, code)
	if err != nil {
		return fmt.Errorf("AdminLogin as nobody = %v", err)
	}
	if id, err := rules(c.WithToken(token)); err != nil || id.Via != "token" {
		return fmt.Errorf("admin endpoint as nobody with a token = %+v, %v", id, err)
	}
	return nil
}

// A stand-in AdminService must never be asked about a request from root,
// nor see a body it cannot parse.
type refusingAdmin struct{}

func (refusingAdmin) Login(string, string, string) (admin.Token, error) {
	return admin.Token{}, errors.New("unexpected Login")
}
func (refusingAdmin) Check(string) (admin.Token, error) { return admin.Token{}, errors.New("boom") }
func (refusingAdmin) Logout(string) error               { return errors.New("boom") }

func TestRequireAdminFailsClosed(t *testing.T) {
	dir := t.TempDir()
	c := NewClient(serveAdmin(t, dir, refusingAdmin{}, false))
	// A service error is no admin; a nil service admits root only.
	if _, err := rules(c.WithToken("x")); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("admin endpoint when Check fails = %v, want 401", err)
	}
	resp, err := c.hc.Post("http://sluice/v1/admin/login", "application/json", strings.NewReader(`{"pin":"1","totp":"2"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(string(body), "unexpected") {
		t.Errorf("login when the service fails: %s %s; want 500 without the internal error", resp.Status, body)
	}
	h := RequireAdmin(nil, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("served without admin") }))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/v1/rules", nil)
	req.Header.Set("Authorization", "Bearer x")
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("RequireAdmin(nil) = %d, want 401", rec.Code)
	}
}
