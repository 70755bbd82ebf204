package cli

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/kiosk/api"
)

const staleHint = " — STALE: import a current rule bundle"

func TestDescribeRules(t *testing.T) {
	created := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		in   api.Rules
		want string
	}{
		{
			name: "fresh bundle",
			in:   api.Rules{Name: "plant-rules", Version: "7", Count: 12, Created: created, AgeDays: 1},
			want: "plant-rules version 7, created 2026-11-25 (1 day old), 12 rules",
		},
		{
			name: "stale bundle",
			in:   api.Rules{Name: "plant-rules", Version: "3", Count: 9, Created: created.AddDate(-1, 0, 0), AgeDays: 400, Stale: true},
			want: "plant-rules version 3, created 2025-11-25 (400 days old), 9 rules" + staleHint,
		},
		{
			name: "bundle created today",
			in:   api.Rules{Name: "plant-rules", Version: "8", Count: 1, Created: created},
			want: "plant-rules version 8, created 2026-11-25 (0 days old), 1 rule",
		},
		{
			// The date is the UTC one the bundle carries, whatever zone it
			// was decoded in.
			name: "created east of UTC",
			in:   api.Rules{Name: "plant-rules", Version: "9", Count: 2, Created: time.Date(2026, 11, 26, 1, 0, 0, 0, time.FixedZone("MSK", 3*3600)), AgeDays: 2},
			want: "plant-rules version 9, created 2026-11-25 (2 days old), 2 rules",
		},
		{
			// No bundle imported: the configured rules have no creation
			// date, so no age, and the store calls them stale.
			name: "configured rules",
			in:   api.Rules{Name: api.RulesConfigured, Version: "sha256:0a1b", Count: 4, Stale: true},
			want: "configured rules version sha256:0a1b, 4 rules" + staleHint,
		},
		{
			name: "configured rules, not stale",
			in:   api.Rules{Name: api.RulesConfigured, Version: "sha256:0a1b", Count: 0},
			want: "configured rules version sha256:0a1b, 0 rules",
		},
	} {
		if got := describeRules(tc.in); got != tc.want {
			t.Errorf("%s: describeRules(%+v) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

// statusOnly is a daemon that answers nothing but its status; the other
// api.Station methods are not called by sluice status.
type statusOnly struct {
	api.Station
	s api.Status
}

func (f statusOnly) Status(context.Context) api.Status { return f.s }

// serveStatus serves s on an API socket through the daemon's own handler,
// so the status crosses the same JSON as it does from sluiced.
func serveStatus(t *testing.T, s api.Status) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "api.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: api.Handler(statusOnly{s: s}, nil)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sock
}

func TestStatusText(t *testing.T) {
	dest := api.Destination{Path: "/srv/transfer", OK: true, FreeBytes: 2_000_000_000, TotalBytes: 8_000_000_000}
	for _, tc := range []struct {
		name  string
		rules api.Rules
		want  string
	}{
		{
			name:  "fresh bundle",
			rules: api.Rules{Name: "plant-rules", Version: "7", Count: 12, Created: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), AgeDays: 6},
			want:  "rules     plant-rules version 7, created 2026-11-20 (6 days old), 12 rules\n",
		},
		{
			name:  "stale bundle",
			rules: api.Rules{Name: "plant-rules", Version: "3", Count: 9, Created: time.Date(2025, 10, 22, 8, 0, 0, 0, time.UTC), AgeDays: 400, Stale: true},
			want:  "rules     plant-rules version 3, created 2025-10-22 (400 days old), 9 rules" + staleHint + "\n",
		},
		{
			name:  "configured rules",
			rules: api.Rules{Name: api.RulesConfigured, Version: "sha256:0a1b", Count: 4, Stale: true},
			want:  "rules     configured rules version sha256:0a1b, 4 rules" + staleHint + "\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sock := serveStatus(t, api.Status{StationID: "gate-1", Version: "1.4.0", State: "idle", Rules: tc.rules, Destination: dest})
			var out, errb bytes.Buffer
			code, err := runStatus(context.Background(), []string{"--socket", sock}, &out, &errb)
			if code != ExitOK || err != nil {
				t.Fatalf("sluice status = exit %d, %v; stderr %q", code, err, errb.String())
			}
			want := "station   gate-1 (sluice 1.4.0)\n" +
				"state     idle\n" +
				tc.want +
				"transfer  /srv/transfer: OK, 2.0 GB free of 8.0 GB\n"
			if got := out.String(); got != want {
				t.Errorf("sluice status printed\n%s\nwant\n%s", got, want)
			}
		})
	}
}
