package cli_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sluice-ot/sluice/cmd/sluice/cli"
	"github.com/sluice-ot/sluice/internal/corpus"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sluice": func() { os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI contract in testdata/script: exit statuses,
// messages, JSON shape. Users script against these.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			// Keep hash-table caches inside the test's own folder.
			e.Setenv("XDG_CACHE_HOME", filepath.Join(e.WorkDir, ".cache"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mkdrive": mkdrive,
		},
	})
}

// mkdrive KIND DIR writes generated files that txtar cannot hold well:
// binary archives and hostile names.
func mkdrive(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkdrive demo|hostile-names|eicar-zip DIR")
	}
	dir := ts.MkAbs(args[1])
	var files []corpus.File
	switch args[0] {
	case "demo":
		ts.Check(corpus.WriteDemo(dir))
		return
	case "eicar-zip":
		files = []corpus.File{{Path: "deep.zip", Data: corpus.NestZip("eicar.txt", corpus.EICAR, 2)}}
	case "hostile-names":
		files = []corpus.File{
			{Path: "invoice\u202Efdp.exe", Data: corpus.PE()},
			{Path: "bell\x07.txt", Data: corpus.EICAR},
		}
	default:
		ts.Fatalf("mkdrive: unknown kind %q", args[0])
	}
	ts.Check(corpus.Write(dir, files))
}
