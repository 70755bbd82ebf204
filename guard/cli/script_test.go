package cli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sluice-ot/sluice/guard/cli"
	"github.com/sluice-ot/sluice/transfer"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sluice-guard": func() { os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI contract in testdata/script: verdicts, exit
// statuses, messages, escaping of names read from drives.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mkkey":      mkkey,
			"mktransfer": mktransfer,
			"hostile":    hostile,
		},
	})
}

// mkkey PREFIX writes a station key pair PREFIX.key and PREFIX.pub.
func mkkey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mkkey PREFIX")
	}
	ts.Check(transfer.GenerateKeyFiles(ts.MkAbs(args[0])))
}

// mktransfer [-expired] KEYPREFIX DIR publishes a signed transfer of
// a.txt and sub/b.txt at DIR, as a station's `sluice scan --out` does.
func mktransfer(ts *testscript.TestScript, neg bool, args []string) {
	expired := len(args) > 0 && args[0] == "-expired"
	if expired {
		args = args[1:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mktransfer [-expired] KEYPREFIX DIR")
	}
	key, err := transfer.LoadPrivateKey(ts.MkAbs(args[0] + ".key"))
	ts.Check(err)
	dest := ts.MkAbs(args[1] + ".dest")
	ts.Check(os.MkdirAll(dest, 0o755))
	now := time.Now
	if expired {
		now = func() time.Time { return time.Now().Add(-48 * time.Hour) }
	}
	s, err := transfer.Begin(dest, transfer.Options{StationID: "station-1", Expires: 24 * time.Hour, Now: now})
	ts.Check(err)
	for name, data := range map[string]string{"a.txt": "hello\n", "sub/b.txt": "world\n"} {
		sum := sha256.Sum256([]byte(data))
		_, err := s.Add(name, bytes.NewReader([]byte(data)), int64(len(data)), hex.EncodeToString(sum[:]))
		ts.Check(err)
	}
	published, err := s.Publish(key, transfer.Info{Operator: "test"})
	ts.Check(err)
	ts.Check(os.Rename(published, ts.MkAbs(args[1])))
	ts.Check(os.Remove(dest))
}

// hostile DIR adds files whose names would rewrite a terminal line.
func hostile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hostile DIR")
	}
	for _, n := range []string{"invoice\u202Efdp.exe", "bell\x07.txt"} {
		ts.Check(os.WriteFile(filepath.Join(ts.MkAbs(args[0]), n), []byte("x"), 0o644))
	}
}
