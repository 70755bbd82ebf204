package tomlconf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type conf struct {
	Name    string   `toml:"name"`
	Timeout Duration `toml:"timeout"`
	Sub     struct {
		Limit int `toml:"limit"`
	} `toml:"sub"`
}

func TestDecode(t *testing.T) {
	dir := t.TempDir()
	write := func(data string) string {
		p := filepath.Join(dir, "c.toml")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c := conf{Name: "default", Timeout: Duration{time.Minute}}
	c.Sub.Limit = 7
	if err := Decode(write("timeout = \"90s\"\n"), "example.toml", &c); err != nil || c.Name != "default" || c.Timeout.Duration != 90*time.Second || c.Sub.Limit != 7 {
		t.Errorf("Decode = %+v, %v; want the defaults kept and the timeout read", c, err)
	}
	for _, tt := range []struct{ data, setting, problem string }{
		{"[sub]\nlimt = 3\n", "sub.limt", "unknown setting (sub.limt)"},
		{"name = \n", "", "line 1:"},
		{"timeout = \"soon\"\n", "", "not a duration"},
	} {
		var e *Error
		err := Decode(write(tt.data), "example.toml", &conf{})
		if !errors.As(err, &e) || e.Setting != tt.setting || !strings.Contains(e.Problem, tt.problem) || e.File == "" {
			t.Errorf("Decode(%q) = %v; want setting %q, problem containing %q", tt.data, err, tt.setting, tt.problem)
		}
	}
	err := Decode(filepath.Join(dir, "none.toml"), "packaging/x.toml", &conf{})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "see packaging/x.toml") {
		t.Errorf("Decode(missing) = %v, want not-exist pointing at the example", err)
	}
}
