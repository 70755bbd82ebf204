package guard

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-ot/sluice/guard/usbpolicy"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sluice-guard.toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfig(t *testing.T) {
	p := writeConfig(t, `
trusted_keys = ["/etc/sluice/a.pub", "/etc/sluice/b.pub"]
deauthorize_invalid = false
allow_classes = [0x07, 0x0e]
deny_classes = [0xff]
media_timeout = "5s"
expose_gid = 1001
expose_umask = "0077"
[[allow_hid]]
vid = "046D"
pid = "c31c"
port = "1-2"
[syslog]
target = "udp://siem:514"
`)
	cfg, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DeauthorizeInvalid || !cfg.KeepPresentInput || cfg.SysfsRoot != "/sys" || cfg.ExposeDir != "/media/sluice" || cfg.Syslog.Target != "udp://siem:514" {
		t.Errorf("cfg = %+v", cfg)
	}
	want := usbpolicy.Policy{
		AllowHID:         []usbpolicy.Match{{VendorID: "046d", ProductID: "c31c", Port: "1-2"}},
		KeepPresentInput: true, AllowClasses: []uint8{7, 0x0e}, DenyClasses: []uint8{0xff},
	}
	if diff := cmp.Diff(want, cfg.Policy()); diff != "" {
		t.Errorf("Policy (-want +got):\n%s", diff)
	}
	if mo := MediaOptions(cfg, nil, nil); mo.GID != 1001 || mo.UID != 0 || mo.Umask != 0o077 {
		t.Errorf("MediaOptions = uid %d gid %d umask %03o, want 0 1001 077", mo.UID, mo.GID, mo.Umask)
	}
	// Defaults deny what usbpolicy's default policy denies.
	if d := Defaults(); !cmp.Equal(d.Policy().DenyClasses, usbpolicy.DefaultPolicy().DenyClasses) || !d.DeauthorizeInvalid {
		t.Errorf("Defaults = %+v", d)
	}
}

func TestDefaultExposure(t *testing.T) {
	if mo := MediaOptions(Defaults(), nil, nil); mo.Umask != 0o027 || mo.GID != 0 {
		t.Errorf("default MediaOptions = gid %d umask %03o, want 0 027 (group reads, others nothing)", mo.GID, mo.Umask)
	}
	for _, u := range []os.FileMode{0o022, 0o027, 0o077} {
		if msg := checkUmask(u); msg != "" {
			t.Errorf("checkUmask(%03o) = %q, want accepted", u, msg)
		}
	}
}

// Every error names the file and the setting.
func TestLoadConfigErrors(t *testing.T) {
	for _, tt := range []struct{ body, setting string }{
		{`deauthorise_invalid = true`, "deauthorise_invalid"},
		{`sysfs_root = "sys"`, "sysfs_root"},
		{`trusted_keys = []`, "trusted_keys"},
		{`trusted_keys = ["station.pub"]`, "trusted_keys[0]"},
		{`expose_dir = "/run/sluice-guard/verify/x"`, "expose_dir"},
		{`media_timeout = "10ms"`, "media_timeout"},
		{`media_timeout = "soon"`, ""},
		{`allow_classes = [256]`, "allow_classes[0]"},
		{`deny_classes = [-1]`, "deny_classes[0]"},
		{"[[allow_hid]]\nvid = \"46d\"\npid = \"c31c\"", "allow_hid[0].vid"},
		{"[[allow_hid]]\nvid = \"046d\"\npid = \"c31c\"\nport = \"../1\"", "allow_hid[0].port"},
		{`log_level = "loud"`, "log_level"},
		{`expose_umask = "000"`, "expose_umask"},
		{`expose_umask = "002"`, "expose_umask"},
		{`expose_umask = "127"`, "expose_umask"},
		{`expose_umask = "037"`, "expose_umask"},
		{`expose_umask = "026"`, "expose_umask"},
		{`expose_umask = "1027"`, ""},
		{`expose_umask = "u=rwx"`, ""},
		{`expose_umask = 27`, ""},
		{`expose_umask = 0o027`, ""},
		{"[syslog]\ntarget = \"siem:514\"", "syslog.target"},
		{"[syslog]\ntarget = \"udp://siem\"", "syslog.target"},
		{`sysfs_root = `, ""},
	} {
		p := writeConfig(t, tt.body)
		_, err := LoadConfig(p)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.File != p || ce.Setting != tt.setting || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: error = %v, want one naming %s and setting %q", tt.body, err, p, tt.setting)
		}
	}
	_, err := LoadConfig(filepath.Join(t.TempDir(), "none.toml"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "packaging/sluice-guard.toml") {
		t.Errorf("missing file: %v", err)
	}
}

// The packaged example configuration loads, and says what the defaults say.
func TestPackagedConfig(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "packaging", "sluice-guard.toml"))
	if err != nil {
		t.Fatal(err)
	}
	d := Defaults()
	d.AllowClasses = []int{}
	d.Hostname = cfg.Hostname
	if diff := cmp.Diff(d, cfg); diff != "" {
		t.Errorf("packaging/sluice-guard.toml differs from Defaults (-defaults +file):\n%s", diff)
	}
}
