package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sluiced.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadExample(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "..", "packaging", "sluiced.toml"))
	if err != nil {
		t.Fatalf("Load(packaging/sluiced.toml) = %v; the shipped example must load", err)
	}
	if cfg.StationID != "gate-1" || cfg.SpoolDir != "/var/lib/sluice/spool" || cfg.Scan.Timeout.Duration != time.Minute || cfg.AcceptLoopDevices || cfg.OperatorPrompt != "none" {
		t.Errorf("example config = %+v", cfg)
	}
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(write(t, `station_id = "gate-2"`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.Socket != "/run/sluice/api.sock" || cfg.StateDir != "/var/lib/sluice" || cfg.TransferExpiry.Duration != 720*time.Hour || cfg.OperatorPrompt != "none" {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestLoadOperatorPrompt(t *testing.T) {
	for _, mode := range []string{"none", "badge", "name"} {
		cfg, err := Load(write(t, `operator_prompt = "`+mode+`"`))
		if err != nil {
			t.Errorf("Load(operator_prompt = %q) = %v", mode, err)
			continue
		}
		if cfg.OperatorPrompt != mode {
			t.Errorf("Load(operator_prompt = %q).OperatorPrompt = %q, want %q", mode, cfg.OperatorPrompt, mode)
		}
	}
}

// Each bad setting is named, with the file, at load time.
func TestLoadErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{`station_id = "a b"`, "station_id: must be"},
		{`state_dir = "relative/dir"`, "state_dir: must be an absolute path"},
		{`destination = "/var/lib/sluice/share"`, "destination: must not overlap state_dir"},
		{"[scan]\ntimeout = \"soon\"", "not a duration"},
		{"[scan]\ntimeout = \"10ms\"", "scan.timeout: must be at least 1s"},
		{"[scan]\nmax_files = -1", "scan.max_files: must not be negative"},
		{"[scan]\nrules = [\"rel.yar\"]", "scan.rules[0]: must be an absolute path"},
		{"[scan]\nmax_flies = 10", "scan.max_flies: unknown setting"},
		{"[syslog]\ntarget = \"10.0.0.1:514\"", "syslog.target: must be udp://"},
		{"station_id = ", "line 1"},
		{`transfer_expiry = "-1h"`, "transfer_expiry: must not be negative"},
		{"[rules]\nstale_days = -1", "rules.stale_days: must not be negative"},
		{`operator_prompt = "pin"`, `operator_prompt: must be "none", "badge" or "name", not "pin"`},
		{`operator_prompt = ""`, `operator_prompt: must be`},
		{`operator_prompt = "Badge"`, `operator_prompt: must be`},
	}
	for _, tt := range tests {
		p := write(t, tt.text)
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("Load(%q) = %v, want an error naming %s and %q", tt.text, err, p, tt.want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.toml")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("Load(missing) = %v, want no such file", err)
	}
}
