// Package config reads the station daemon's TOML configuration. Every
// setting is checked when the file is loaded, and an error names the
// setting and the file, so a station never starts half-configured.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluice-ot/sluice/audit/syslog"
	"github.com/sluice-ot/sluice/internal/tomlconf"
)

// DefaultPath is where the packaged daemon looks for its configuration.
const DefaultPath = "/etc/sluice/sluiced.toml"

// Config is the station's configuration. Durations and sizes are plain
// Go values; the TOML file writes durations as strings ("60s", "720h").
type Config struct {
	StationID string `toml:"station_id"`
	// StateDir holds the history database, the audit log, the media
	// mount points and, unless SpoolDir says otherwise, the spool.
	StateDir string `toml:"state_dir"`
	SpoolDir string `toml:"spool_dir"`
	// Destination is the transfer share: each session's clean files are
	// published there as <destination>/<transfer-id>.
	Destination string `toml:"destination"`
	StationKey  string `toml:"station_key"`
	// TrustedRuleKeys are the admin public keys that may sign rule bundles.
	TrustedRuleKeys []string `toml:"trusted_rule_keys"`
	// AcceptLoopDevices lets loop devices start sessions, for tests and
	// the demo. A production station leaves it false.
	AcceptLoopDevices bool `toml:"accept_loop_devices"`
	// TransferExpiry is how long a published transfer stays valid; 0 never.
	TransferExpiry Duration `toml:"transfer_expiry"`
	// OperatorPrompt is how the touchscreen identifies the operator before
	// a session: "none", "badge" (a badge number) or "name".
	OperatorPrompt string `toml:"operator_prompt"`

	API    API    `toml:"api"`
	Scan   Scan   `toml:"scan"`
	Rules  Rules  `toml:"rules"`
	Syslog Syslog `toml:"syslog"`

	// File is the file Load read, so that a setting that turns out wrong
	// once the daemon uses it (a key that does not parse, a group that
	// does not exist) is reported with the file to fix; see Invalid.
	File string `toml:"-"`
}

// Rules says when the active signatures count as stale.
type Rules struct {
	// StaleDays: a bundle older than this is flagged stale (as is one
	// within 7 days of its expiry). 0 turns the age check off.
	StaleDays int `toml:"stale_days"`
}

// API is the local HTTP/JSON API on a unix socket.
type API struct {
	Socket string `toml:"socket"`
	// Group owns the socket (mode 0660); its members may use the API.
	Group string `toml:"group"`
}

// Scan holds the scanning engines' settings and limits.
type Scan struct {
	Workers     int      `toml:"workers"` // 0: one per CPU
	Timeout     Duration `toml:"timeout"` // YARA, per file
	Rules       []string `toml:"rules"`   // extra .yar files or folders; the built-in rules always load
	BlockHashes []string `toml:"block_hashes"`
	AllowHashes []string `toml:"allow_hashes"`

	MaxDepth       int   `toml:"max_depth"`
	MaxFiles       int   `toml:"max_files"`
	MaxPathLen     int   `toml:"max_path_len"`
	ArchiveDepth   int   `toml:"archive_depth"`
	ArchiveMembers int   `toml:"archive_members"`
	ArchiveBytes   int64 `toml:"archive_bytes"`
	ArchiveRatio   int64 `toml:"archive_ratio"`
	MaxFileSize    int64 `toml:"max_file_size"` // 0: no limit
}

// Syslog is where session events are forwarded: "udp://host:port" or
// "tcp://host:port"; empty for none.
type Syslog struct {
	Target string `toml:"target"`
}

// Duration is a time.Duration written as a string in TOML ("90s").
type Duration = tomlconf.Duration

// Defaults returns the settings a packaged station starts from.
func Defaults() Config {
	return Config{
		StateDir:       "/var/lib/sluice",
		Destination:    "/srv/sluice/transfers",
		StationKey:     "/etc/sluice/station.key",
		TransferExpiry: Duration{Duration: 30 * 24 * time.Hour},
		OperatorPrompt: "none",
		API:            API{Socket: "/run/sluice/api.sock", Group: "sluice"},
		Scan:           Scan{Timeout: Duration{Duration: time.Minute}},
		Rules:          Rules{StaleDays: 30},
	}
}

// Error names the file, the setting and what is wrong with it.
type Error = tomlconf.Error

// Load reads the file at path over the defaults and checks every setting.
// Unknown settings are errors too: a misspelt limit must not silently
// fall back to its default.
func Load(path string) (Config, error) {
	cfg := Defaults()
	if err := tomlconf.Decode(path, "packaging/sluiced.toml", &cfg); err != nil {
		return Config{}, err
	}
	if err := cfg.check(path); err != nil {
		return Config{}, err
	}
	cfg.File = path
	return cfg, nil
}

// Invalid reports err, met while using setting, as a problem of that
// setting in the config file: "config /etc/sluice/sluiced.toml:
// station_key: load private key: …". errors.Is and As still see err.
func (c Config) Invalid(setting string, err error) error {
	file := c.File
	if file == "" {
		file = "(built-in defaults)"
	}
	return &Error{File: file, Setting: setting, Problem: err.Error(), Err: err}
}

// check validates settings and fills the derived ones.
func (c *Config) check(file string) error {
	bad := func(setting, problem string) error { return &Error{File: file, Setting: setting, Problem: problem} }
	if c.StationID == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			return bad("station_id", "not set, and the host name is unknown")
		}
		c.StationID = h
	}
	if strings.ContainsAny(c.StationID, " \t\r\n/\\\"") || len(c.StationID) > 64 {
		return bad("station_id", "must be at most 64 characters without spaces, quotes or slashes")
	}
	for _, p := range []struct {
		name string
		v    *string
	}{{"state_dir", &c.StateDir}, {"destination", &c.Destination}, {"station_key", &c.StationKey}, {"api.socket", &c.API.Socket}} {
		if *p.v == "" {
			return bad(p.name, "must be set")
		}
		if !filepath.IsAbs(*p.v) {
			return bad(p.name, "must be an absolute path, not "+*p.v)
		}
		*p.v = filepath.Clean(*p.v)
	}
	if c.SpoolDir == "" {
		c.SpoolDir = filepath.Join(c.StateDir, "spool")
	} else if !filepath.IsAbs(c.SpoolDir) {
		return bad("spool_dir", "must be an absolute path, not "+c.SpoolDir)
	}
	if strings.HasPrefix(c.Destination+"/", c.StateDir+"/") || strings.HasPrefix(c.StateDir+"/", c.Destination+"/") {
		return bad("destination", "must not overlap state_dir: the plant share must never see the spool or the mounts")
	}
	for i, k := range c.TrustedRuleKeys {
		if !filepath.IsAbs(k) {
			return bad(fmt.Sprintf("trusted_rule_keys[%d]", i), "must be an absolute path, not "+k)
		}
	}
	if c.TransferExpiry.Duration < 0 {
		return bad("transfer_expiry", "must not be negative")
	}
	switch c.OperatorPrompt {
	case "none", "badge", "name":
	default:
		return bad("operator_prompt", fmt.Sprintf("must be \"none\", \"badge\" or \"name\", not %q", c.OperatorPrompt))
	}
	if c.Rules.StaleDays < 0 {
		return bad("rules.stale_days", "must not be negative (0 turns the age check off)")
	}
	if err := c.Scan.check(bad); err != nil {
		return err
	}
	if t := c.Syslog.Target; t != "" {
		if _, _, err := syslog.ParseTarget(t); err != nil {
			return bad("syslog.target", err.Error())
		}
	}
	return nil
}

func (s *Scan) check(bad func(setting, problem string) error) error {
	if s.Workers < 0 {
		return bad("scan.workers", "must not be negative")
	}
	if s.Timeout.Duration < time.Second {
		return bad("scan.timeout", "must be at least 1s")
	}
	ints := []struct {
		name string
		v    int64
	}{
		{"scan.max_depth", int64(s.MaxDepth)}, {"scan.max_files", int64(s.MaxFiles)}, {"scan.max_path_len", int64(s.MaxPathLen)},
		{"scan.archive_depth", int64(s.ArchiveDepth)}, {"scan.archive_members", int64(s.ArchiveMembers)},
		{"scan.archive_bytes", s.ArchiveBytes}, {"scan.archive_ratio", s.ArchiveRatio}, {"scan.max_file_size", s.MaxFileSize},
	}
	for _, n := range ints {
		if n.v < 0 {
			return bad(n.name, "must not be negative (0 means the default)")
		}
	}
	for _, list := range []struct {
		name  string
		paths []string
	}{{"scan.rules", s.Rules}, {"scan.block_hashes", s.BlockHashes}, {"scan.allow_hashes", s.AllowHashes}} {
		for i, p := range list.paths {
			if !filepath.IsAbs(p) {
				return bad(fmt.Sprintf("%s[%d]", list.name, i), "must be an absolute path, not "+p)
			}
		}
	}
	return nil
}
