package config

import (
	"errors"
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
		{"[syslog]\ntarget = \"udp://siem.plant.example\"", "syslog.target: must be udp://host:port or tcp://host:port, not udp://siem.plant.example (no port)"},
		{"[syslog]\ntarget = \"tcp://:514\"", "syslog.target: must be udp://host:port or tcp://host:port, not tcp://:514 (no host)"},
		{"[syslog]\ntarget = \"udp://siem:syslog\"", "(not a URL)"},
		{"[syslog]\ntarget = \"udp://siem:70000\"", "(the port must be from 1 to 65535)"},
		{"[syslog]\ntarget = \"udp://siem:0\"", "(the port must be from 1 to 65535)"},
		{"[syslog]\ntarget = \"https://siem:514\"", "(the scheme must be udp or tcp)"},
		{"[syslog]\ntarget = \"udp://siem:514/\"", "(only a host and a port may follow the scheme)"},
		{"[syslog]\ntarget = \"udp://siem:514?x=1\"", "(only a host and a port may follow the scheme)"},
		{"[syslog]\ntarget = \"tcp://user@siem:514\"", "(only a host and a port may follow the scheme)"},
		{"[syslog]\ntarget = \"udp:siem:514\"", "(only a host and a port may follow the scheme)"},
		{`File = "/etc/other.toml"`, "File: unknown setting"},
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

// The targets audit/syslog accepts load, so a station with one starts.
func TestLoadSyslogTargets(t *testing.T) {
	for _, target := range []string{"udp://siem.plant.example:514", "tcp://10.0.0.1:6514", "udp://[fd00::1]:514", ""} {
		cfg, err := Load(write(t, "[syslog]\ntarget = \""+target+"\""))
		if err != nil {
			t.Errorf("Load(syslog.target = %q) = %v, want it accepted", target, err)
			continue
		}
		if cfg.Syslog.Target != target {
			t.Errorf("Load(syslog.target = %q).Syslog.Target = %q", target, cfg.Syslog.Target)
		}
	}
}

// A setting found wrong after Load is reported like Load's own errors,
// with the file Load read.
func TestInvalid(t *testing.T) {
	p := write(t, `station_id = "gate-2"`)
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.File != p {
		t.Errorf("Load(%s).File = %q, want the path", p, cfg.File)
	}
	cause := os.ErrNotExist
	err = cfg.Invalid("station_key", cause)
	want := "config " + p + ": station_key: " + cause.Error()
	if err.Error() != want {
		t.Errorf("Invalid(station_key, %v) = %q, want %q", cause, err, want)
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Setting != "station_key" || ce.File != p || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Invalid(station_key, %v) = %#v, want a *config.Error for station_key that wraps the cause", cause, err)
	}
	if got := Defaults().Invalid("api.group", cause).Error(); !strings.Contains(got, "(built-in defaults): api.group: ") {
		t.Errorf("Defaults().Invalid(api.group, …) = %q, want it to say the defaults are to blame", got)
	}
}
