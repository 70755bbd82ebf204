package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// fakeRules is a RuleStore that answers per path or version.
type fakeRules struct {
	mu   sync.Mutex
	errs map[string]error
	who  []string
}

func (f *fakeRules) Rules() RulesList {
	b := RuleBundle{Name: "plant-rules", Version: 7, Active: true}
	return RulesList{Active: &b, Bundles: []RuleBundle{b, {Name: "plant-rules", Version: 6}}, Stale: true, StaleReason: "created 40 days ago"}
}

func (f *fakeRules) ImportRules(path, who string) (RuleBundle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.who = append(f.who, who)
	if err := f.errs[filepath.Base(path)]; err != nil {
		return RuleBundle{}, err
	}
	return RuleBundle{Name: "plant-rules", Version: 8, Active: true}, nil
}

func (f *fakeRules) RollbackRules(version int, who string) (RuleBundle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.who = append(f.who, who)
	if version != 6 {
		return RuleBundle{}, fmt.Errorf("%w: version %d", ErrRulesNotKept, version)
	}
	return RuleBundle{Name: "plant-rules", Version: 6, Active: true}, nil
}

func serveRules(t *testing.T, rs RuleStore, peers bool) *Client {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "api.sock")
	ln, err := Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: WithRules(Handler(&fakeStation{}, nil), rs, refusingAdmin{}, nil), ReadHeaderTimeout: 10 * time.Second}
	if peers {
		srv.ConnContext = PeerConnContext
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return NewClient(sock)
}

func TestRulesEndpoints(t *testing.T) {
	testenv.Root(t, "admin through peer credentials (uid 0)")
	rs := &fakeRules{errs: map[string]error{
		"same.tar":    fmt.Errorf("import: %w", ErrRulesInstalled),
		"old.tar":     fmt.Errorf("import: %w", ErrRulesDowngrade),
		"bad.tar":     fmt.Errorf("%w: bundle is signed by a key that is not trusted", ErrRulesRefused),
		"missing.tar": fmt.Errorf("%w: no such file", ErrInvalid),
		"disk.tar":    errors.New("write /var/lib/sluice/rules: no space left on device"),
	}}
	c := serveRules(t, rs, true)
	ctx := context.Background()

	l, err := c.RulesList(ctx)
	if err != nil || l.Active == nil || l.Active.Version != 7 || len(l.Bundles) != 2 || !l.Stale {
		t.Errorf("RulesList() = %+v, %v", l, err)
	}
	if b, err := c.RulesImport(ctx, "/media/update/new.tar"); err != nil || b.Version != 8 {
		t.Errorf("RulesImport(new) = %+v, %v", b, err)
	}
	if who := rs.who[0]; !strings.HasPrefix(who, "root (") {
		t.Errorf("import by %q, want root with its peer", who)
	}
	for _, tt := range []struct {
		path string
		want error
		text string
	}{
		{"/x/same.tar", ErrRulesInstalled, "already installed"},
		{"/x/old.tar", ErrRulesDowngrade, "older than the active"},
		{"/x/bad.tar", ErrRulesRefused, "not trusted"},
		{"/x/missing.tar", ErrInvalid, "no such file"},
		{"relative.tar", ErrInvalid, "not absolute"},
	} {
		if _, err := c.RulesImport(ctx, tt.path); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("RulesImport(%s) = %v, want %v with %q", tt.path, err, tt.want, tt.text)
		}
	}
	if _, err := c.RulesImport(ctx, "/x/disk.tar"); err == nil || strings.Contains(err.Error(), "no space") || !strings.Contains(err.Error(), "500") {
		t.Errorf("RulesImport(internal failure) = %v, want a 500 without the internal error", err)
	}
	if b, err := c.RulesRollback(ctx, 6); err != nil || b.Version != 6 {
		t.Errorf("RulesRollback(6) = %+v, %v", b, err)
	}
	if _, err := c.RulesRollback(ctx, 2); !errors.Is(err, ErrRulesNotKept) {
		t.Errorf("RulesRollback(2) = %v, want ErrRulesNotKept", err)
	}
	if _, err := c.RulesRollback(ctx, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("RulesRollback(0) = %v, want ErrInvalid", err)
	}
	// The other endpoints still answer.
	if s, err := c.Status(ctx); err != nil || s.StationID != "gate-1" {
		t.Errorf("Status() through WithRules = %+v, %v", s, err)
	}
}

// Without peer credentials no one is root, and a token the admin service
// refuses is no admin: listing works, changes are refused.
func TestRulesNeedAdmin(t *testing.T) {
	rs := &fakeRules{}
	c := serveRules(t, rs, false)
	ctx := context.Background()
	if _, err := c.RulesList(ctx); err != nil {
		t.Errorf("RulesList() without admin = %v, want it allowed", err)
	}
	if _, err := c.RulesImport(ctx, "/x/new.tar"); !errors.Is(err, ErrAdminRequired) {
		t.Errorf("RulesImport() without admin = %v, want ErrAdminRequired", err)
	}
	if _, err := c.WithToken("x").RulesRollback(ctx, 6); !errors.Is(err, ErrAdminRequired) {
		t.Errorf("RulesRollback() with a refused token = %v, want ErrAdminRequired", err)
	}
	if len(rs.who) != 0 {
		t.Errorf("the store was called without an admin: %v", rs.who)
	}
}
