package main

import (
	"errors"
	"io"
	"testing"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil || o.socket != "/run/sluice/api.sock" || o.windowed || o.lang != "" || o.width != 1280 || o.height != 800 {
		t.Errorf("parseFlags() = %+v, %v; want the packaged socket, fullscreen", o, err)
	}
	o, err = parseFlags([]string{"--socket", "/tmp/s.sock", "--lang", "fr", "--windowed", "--size", "1024x600"}, io.Discard)
	if err != nil || o.socket != "/tmp/s.sock" || o.lang != "fr" || !o.windowed || o.width != 1024 || o.height != 600 {
		t.Errorf("parseFlags(all) = %+v, %v", o, err)
	}
	for _, args := range [][]string{{"--size", "big"}, {"--size", "1280x"}, {"--size", "10x10"}, {"--nope"}, {"extra"}} {
		if _, err := parseFlags(args, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("parseFlags(%q) = %v, want a usage error", args, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		w, h int
		ok   bool
	}{
		{"1280x800", 1280, 800, true},
		{"800x480", 800, 480, true},
		{"1280X800", 0, 0, false},
		{"x800", 0, 0, false},
		{"-1280x800", 0, 0, false},
		{"99999x800", 0, 0, false},
	}
	for _, tt := range tests {
		w, h, err := parseSize(tt.in)
		if (err == nil) != tt.ok || w != tt.w || h != tt.h {
			t.Errorf("parseSize(%q) = %d, %d, %v; want %d, %d, ok %v", tt.in, w, h, err, tt.w, tt.h, tt.ok)
		}
	}
}
