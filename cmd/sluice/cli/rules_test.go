package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/rules/bundle"
	"github.com/sluice-ot/sluice/transfer"
)

func TestParseExpires(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"", time.Time{}, false},
		// A date: valid through that day, UTC.
		{"2027-01-31", time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), false},
		{"2027-01-31T12:00:00+01:00", time.Date(2027, 1, 31, 11, 0, 0, 0, time.UTC), false},
		{"31/01/2027", time.Time{}, true},
		{"2027-02-30", time.Time{}, true},
	} {
		got, err := parseExpires(tt.in)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("parseExpires(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// An expired bundle is shown as such, and with --pub it is invalid (exit
// 1): a station would refuse it. The CLI cannot build one in the past, so
// the library does, with its clock set back.
func TestRulesInspectExpired(t *testing.T) {
	dir := t.TempDir()
	rule := filepath.Join(dir, "a.yar")
	if err := os.WriteFile(rule, []byte("rule A { condition: true }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	out := filepath.Join(dir, "old.tar")
	if _, err := bundle.Build(bundle.BuildOptions{
		Name: "old", Version: 1, YARA: []string{rule},
		Expires: created.AddDate(1, 0, 0), Now: func() time.Time { return created },
	}, out); err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(dir, "admin")
	if err := transfer.GenerateKeyFiles(prefix); err != nil {
		t.Fatal(err)
	}
	key, err := transfer.LoadPrivateKey(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if err := bundle.Sign(out, key); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{out}, ExitOK},
		{[]string{"--pub", prefix + ".pub", out}, ExitFindings},
	} {
		var stdout, stderr bytes.Buffer
		code, err := runRulesInspect(context.Background(), tt.args, &stdout, &stderr)
		if err != nil || code != tt.code {
			t.Errorf("rules inspect %v = %d, %v; want %d", tt.args, code, err, tt.code)
		}
		if !strings.Contains(stdout.String(), "expires:   2021-01-01T00:00:00Z (expired)\n") {
			t.Errorf("rules inspect %v printed\n%s\nwant the expiry marked expired", tt.args, stdout.String())
		}
	}
}
