package guard

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-ot/sluice/audit/syslog"
	"github.com/sluice-ot/sluice/internal/tomlconf"

	"github.com/sluice-ot/sluice/guard/media"
	"github.com/sluice-ot/sluice/guard/usbpolicy"
)

// DefaultConfigPath is where the packaged guard reads its configuration.
const DefaultConfigPath = "/etc/sluice/sluice-guard.toml"

// Config is sluice-guard's configuration (see packaging/sluice-guard.toml).
type Config struct {
	// SysfsRoot is where sysfs is mounted; tests point it at a recorded tree.
	SysfsRoot string `toml:"sysfs_root"`
	// TrustedKeys are the station public key files whose transfers are
	// allowed.
	TrustedKeys []string `toml:"trusted_keys"`
	// ExposeDir is where valid transfers appear read-only, one folder per
	// partition label.
	ExposeDir string `toml:"expose_dir"`
	// WorkDir holds the guard's private mount points while it checks media.
	WorkDir string `toml:"work_dir"`
	// ExposeUID and ExposeGID own the files of exposed FAT, exFAT and NTFS
	// volumes, whose modes are 0777 masked by ExposeUmask. ExposeGID also
	// owns ExposeDir (owner root, mode 0777 masked by ExposeUmask, writable
	// by root only), the one way in to every exposure: users outside the
	// group reach none, whatever modes an ext4 volume's files carry.
	ExposeUID   int   `toml:"expose_uid"`
	ExposeGID   int   `toml:"expose_gid"`
	ExposeUmask Umask `toml:"expose_umask"`
	// RunDir holds the guard's runtime state: which input devices were
	// present when it first started in this boot. It belongs on a tmpfs.
	RunDir string `toml:"run_dir"`
	// DeauthorizeInvalid deauthorizes storage whose media is not valid,
	// rather than only leaving it unexposed.
	DeauthorizeInvalid bool `toml:"deauthorize_invalid"`
	// KeepPresentInput authorizes HID devices present when the guard first
	// starts in a boot, so that an install never locks out the keyboard.
	KeepPresentInput bool `toml:"keep_present_input"`
	// MediaTimeout bounds the wait for an authorized storage device's
	// block device to appear.
	MediaTimeout Duration `toml:"media_timeout"`
	// AllowHID lists the HID devices allowed wherever they are plugged
	// in (or on one port).
	AllowHID     []HIDMatch `toml:"allow_hid"`
	AllowClasses []int      `toml:"allow_classes"`
	DenyClasses  []int      `toml:"deny_classes"`
	LogLevel     string     `toml:"log_level"` // debug, info, warn, error
	Syslog       Syslog     `toml:"syslog"`
	// Hostname names this endpoint in syslog messages; default the host name.
	Hostname string `toml:"hostname"`
}

// HIDMatch is one allow_hid entry.
type HIDMatch struct {
	VID    string `toml:"vid"`
	PID    string `toml:"pid"`
	Serial string `toml:"serial"`
	Port   string `toml:"port"`
}

// Syslog is the RFC 5424 receiver decisions are forwarded to:
// "udp://host:port" or "tcp://host:port"; empty for none.
type Syslog struct {
	Target string `toml:"target"`
}

// Duration is a time.Duration written as a string in TOML ("15s").
type Duration = tomlconf.Duration

// Umask is a permission mask written in octal as a TOML string ("027").
type Umask os.FileMode

// UnmarshalText parses an octal mask of at most 0777.
func (u *Umask) UnmarshalText(b []byte) error {
	v, err := strconv.ParseUint(string(b), 8, 32)
	if err != nil || v > 0o777 {
		return fmt.Errorf("not an octal umask (like \"027\"): %q", b)
	}
	*u = Umask(v)
	return nil
}

// UnmarshalTOML takes the mask from a string only: a TOML integer would
// be read in decimal (27 is 033) or need 0o, both easy to get wrong.
func (u *Umask) UnmarshalTOML(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("expose_umask: write it in octal as a string, like \"027\", not as a number")
	}
	return u.UnmarshalText([]byte(s))
}

// MarshalText writes the mask in octal.
func (u Umask) MarshalText() ([]byte, error) { return fmt.Appendf(nil, "%03o", uint32(u)), nil }

// Defaults returns the settings the guard starts from: the default
// policy of usbpolicy (keep input present at boot, deny CDC, wireless and
// vendor classes, nothing else allowed), deauthorize invalid media.
func Defaults() Config {
	p := usbpolicy.DefaultPolicy()
	var deny []int
	for _, c := range p.DenyClasses {
		deny = append(deny, int(c))
	}
	return Config{
		SysfsRoot:          "/sys",
		TrustedKeys:        []string{"/etc/sluice/station.pub"},
		ExposeDir:          media.DefaultExposeDir,
		ExposeUmask:        Umask(media.DefaultUmask),
		WorkDir:            media.DefaultWorkDir,
		RunDir:             "/run/sluice-guard",
		DeauthorizeInvalid: true,
		KeepPresentInput:   p.KeepPresentInput,
		MediaTimeout:       Duration{Duration: 20 * time.Second},
		DenyClasses:        deny,
		LogLevel:           "info",
	}
}

// ConfigError names the file, the setting and what is wrong with it.
type ConfigError = tomlconf.Error

// LoadConfig reads the file at path over the defaults and checks every
// setting. Unknown settings are errors: a misspelt allowlist must not
// silently become an empty one.
func LoadConfig(path string) (Config, error) {
	cfg := Defaults()
	if err := tomlconf.Decode(path, "packaging/sluice-guard.toml", &cfg); err != nil {
		return Config{}, err
	}
	if err := cfg.check(path); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

var hex4 = regexp.MustCompile(`^[0-9a-fA-F]{4}$`)

// check validates the settings and cleans the paths.
func (c *Config) check(file string) error {
	bad := func(setting, problem string) error {
		return &ConfigError{File: file, Setting: setting, Problem: problem}
	}
	for _, p := range []struct {
		name string
		v    *string
	}{{"sysfs_root", &c.SysfsRoot}, {"expose_dir", &c.ExposeDir}, {"work_dir", &c.WorkDir}, {"run_dir", &c.RunDir}} {
		if *p.v == "" {
			return bad(p.name, "must be set")
		}
		if !filepath.IsAbs(*p.v) {
			return bad(p.name, "must be an absolute path, not "+*p.v)
		}
		*p.v = filepath.Clean(*p.v)
	}
	if c.ExposeDir == c.WorkDir || strings.HasPrefix(c.WorkDir+"/", c.ExposeDir+"/") || strings.HasPrefix(c.ExposeDir+"/", c.WorkDir+"/") {
		return bad("expose_dir", "must not overlap work_dir: users must never see media before it is verified")
	}
	if c.ExposeUID < 0 || c.ExposeGID < 0 {
		return bad("expose_uid", "expose_uid and expose_gid must not be negative")
	}
	if err := checkUmask(os.FileMode(c.ExposeUmask)); err != "" {
		return bad("expose_umask", err)
	}
	if len(c.TrustedKeys) == 0 {
		return bad("trusted_keys", "must list at least one station public key file")
	}
	for i, k := range c.TrustedKeys {
		if !filepath.IsAbs(k) {
			return bad(fmt.Sprintf("trusted_keys[%d]", i), "must be an absolute path, not "+k)
		}
	}
	if c.MediaTimeout.Duration < time.Second {
		return bad("media_timeout", "must be at least 1s")
	}
	for i, m := range c.AllowHID {
		name := fmt.Sprintf("allow_hid[%d]", i)
		if !hex4.MatchString(m.VID) {
			return bad(name+".vid", fmt.Sprintf("must be 4 hex digits, not %q", m.VID))
		}
		if !hex4.MatchString(m.PID) {
			return bad(name+".pid", fmt.Sprintf("must be 4 hex digits, not %q", m.PID))
		}
		if m.Port != "" && !validPort(m.Port) {
			return bad(name+".port", fmt.Sprintf("must be a USB port like 1-2 or 3-1.4, not %q", m.Port))
		}
	}
	for _, l := range []struct {
		name string
		v    []int
	}{{"allow_classes", c.AllowClasses}, {"deny_classes", c.DenyClasses}} {
		for i, v := range l.v {
			if v < 0 || v > 0xff {
				return bad(fmt.Sprintf("%s[%d]", l.name, i), fmt.Sprintf("must be a USB class from 0x00 to 0xff, not %d", v))
			}
		}
	}
	if _, err := c.level(); err != nil {
		return bad("log_level", err.Error())
	}
	if t := c.Syslog.Target; t != "" {
		if _, _, err := syslog.ParseTarget(t); err != nil {
			return bad("syslog.target", err.Error())
		}
	}
	if c.Hostname == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "-"
		}
		c.Hostname = h
	}
	return nil
}

// checkUmask says what is wrong with an exposure umask, "" if nothing.
// Exposures are read-only, but ExposeDir is a real folder: only root may
// create in it. Read without search, or search without read, is of no
// use on a folder and most likely a decimal typed for octal.
func checkUmask(u os.FileMode) string {
	switch {
	case u&0o700 != 0:
		return fmt.Sprintf("must leave the owner every right (mask only group and others), not %03o", uint32(u))
	case u&0o022 != 0o022:
		return fmt.Sprintf("must keep the group and others from writing (include 022), not %03o", uint32(u))
	case u&0o050 != 0 && u&0o050 != 0o050, u&0o005 != 0 && u&0o005 != 0o005:
		return fmt.Sprintf("must give read and search together, to the group and to others (like 022, 027 or 077), not %03o", uint32(u))
	}
	return ""
}

var portRE = regexp.MustCompile(`^[0-9]+-[0-9]+(\.[0-9]+)*$`)

func validPort(p string) bool { return portRE.MatchString(p) }

func (c *Config) level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("must be debug, info, warn or error, not %q", c.LogLevel)
	}
	return l, nil
}

// Policy is the device policy the settings describe.
func (c *Config) Policy() usbpolicy.Policy {
	p := usbpolicy.Policy{KeepPresentInput: c.KeepPresentInput}
	for _, m := range c.AllowHID {
		p.AllowHID = append(p.AllowHID, usbpolicy.Match{VendorID: strings.ToLower(m.VID), ProductID: strings.ToLower(m.PID), Serial: m.Serial, Port: m.Port})
	}
	for _, v := range c.AllowClasses {
		p.AllowClasses = append(p.AllowClasses, uint8(v))
	}
	for _, v := range c.DenyClasses {
		p.DenyClasses = append(p.DenyClasses, uint8(v))
	}
	return p
}
