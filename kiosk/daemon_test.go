package kiosk

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/kiosk/config"
	"github.com/sluice-ot/sluice/transfer"
)

// daemonSettings are the settings of a test station's config file, all in
// a temporary folder; a case breaks one of them.
type daemonSettings struct {
	stateDir, spoolDir, destination, stationKey, socket, group string
	trusted, rules, blockHashes, allowHashes                   []string
}

func (s daemonSettings) toml() string {
	list := func(v []string) string {
		q := make([]string, len(v))
		for i, p := range v {
			q[i] = fmt.Sprintf("%q", p)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return fmt.Sprintf(`station_id = "gate-test"
state_dir = %q
spool_dir = %q
destination = %q
station_key = %q
trusted_rule_keys = %s

[api]
socket = %q
group = %q

[scan]
rules = %s
block_hashes = %s
allow_hashes = %s
`, s.stateDir, s.spoolDir, s.destination, s.stationKey, list(s.trusted), s.socket, s.group,
		list(s.rules), list(s.blockHashes), list(s.allowHashes))
}

func writeFile(t *testing.T, p, text string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(p, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// A setting that is wrong in a way only the running station can see (a
// key that is missing or does not parse, a group that does not exist, a
// rule or hash list path that is not there, a folder that cannot be made)
// stops RunDaemon with an error that names the setting and the config
// file, as config.Load's own errors do. The keys and the group are checked
// before the daemon creates anything.
func TestRunDaemonConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		bad     func(d string, s *daemonSettings)
		setting string
		want    string // in the error's text, besides the file and setting
		early   bool   // refused before the state folder is created
	}{
		{"missing station key", func(d string, s *daemonSettings) { s.stationKey = filepath.Join(d, "none.key") }, "station_key", "no such file", true},
		{"station key not a key", func(d string, s *daemonSettings) {
			s.stationKey = writeFile(t, filepath.Join(d, "junk.key"), "not a key\n", 0o600)
		}, "station_key", "load private key", true},
		{"station key readable by others", func(d string, s *daemonSettings) {
			if err := os.Chmod(s.stationKey, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "station_key", "chmod 600", true},
		{"missing trusted key", func(d string, s *daemonSettings) {
			s.trusted = append(s.trusted, filepath.Join(d, "gone.pub"))
		}, "trusted_rule_keys[1]", "no such file", true},
		{"trusted key not a key", func(d string, s *daemonSettings) {
			s.trusted = []string{writeFile(t, filepath.Join(d, "junk.pub"), "untrusted comment: x\nnot base64\n", 0o644)}
		}, "trusted_rule_keys[0]", "load public key", true},
		{"unknown group", func(d string, s *daemonSettings) { s.group = "sluice-no-such-group" }, "api.group", "sluice-no-such-group", true},
		{"destination under a file", func(d string, s *daemonSettings) {
			s.destination = filepath.Join(writeFile(t, filepath.Join(d, "plain"), "", 0o644), "share")
		}, "destination", "not a directory", false},
		{"spool under a file", func(d string, s *daemonSettings) {
			s.spoolDir = filepath.Join(writeFile(t, filepath.Join(d, "plain"), "", 0o644), "spool")
		}, "spool_dir", "not a directory", false},
		{"missing rule file", func(d string, s *daemonSettings) {
			s.rules = []string{filepath.Join(d, "gone.yar")}
		}, "scan.rules[0]", "no such file", false},
		{"rule folder without rules", func(d string, s *daemonSettings) {
			s.rules = []string{t.TempDir()}
		}, "scan.rules", "no .yar or .yara files", false},
		{"missing block list", func(d string, s *daemonSettings) {
			s.blockHashes = []string{filepath.Join(d, "gone.txt")}
		}, "scan.block_hashes[0]", "no such file", false},
		{"allow list is a folder", func(d string, s *daemonSettings) {
			s.allowHashes = []string{writeFile(t, filepath.Join(d, "ok.txt"), "", 0o644), t.TempDir()}
		}, "scan.allow_hashes[1]", "not a regular file", false},
		{"socket under a file", func(d string, s *daemonSettings) {
			s.socket = filepath.Join(writeFile(t, filepath.Join(d, "plain"), "", 0o644), "api.sock")
		}, "api.socket", "not a directory", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			for _, k := range []string{"station", "admin"} {
				if err := transfer.GenerateKeyFiles(filepath.Join(d, k)); err != nil {
					t.Fatal(err)
				}
			}
			s := daemonSettings{
				stateDir: filepath.Join(d, "state"), spoolDir: filepath.Join(d, "spool"), destination: filepath.Join(d, "share"),
				stationKey: filepath.Join(d, "station.key"), trusted: []string{filepath.Join(d, "admin.pub")},
				socket: filepath.Join(d, "run", "api.sock"),
			}
			tt.bad(d, &s)
			file := writeFile(t, filepath.Join(d, "sluiced.toml"), s.toml(), 0o644)
			cfg, err := config.Load(file)
			if err != nil {
				t.Fatalf("config.Load = %v; the broken setting must pass Load for this test", err)
			}
			err = RunDaemon(context.Background(), cfg, DaemonOptions{Version: "test"})
			var ce *config.Error
			if !errors.As(err, &ce) || ce.File != file || ce.Setting != tt.setting {
				t.Fatalf("RunDaemon = %v, want a config error for %s in %s", err, tt.setting, file)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "config "+file+": "+tt.setting+": ") || !strings.Contains(msg, tt.want) {
				t.Errorf("RunDaemon = %q, want \"config %s: %s: …%s…\"", msg, file, tt.setting, tt.want)
			}
			if _, err := os.Stat(s.stateDir); tt.early && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("state_dir after the refusal: Stat = %v, want it not created", err)
			}
		})
	}
}
