package transfer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The crash tests re-execute the test binary as a helper process that
// publishes a transfer and stops at a named point, printing "AT <point>"
// and blocking on its stdin, where the parent kills it with SIGKILL.
const (
	helperPointEnv = "SLUICE_TRANSFER_CRASH_POINT"
	helperDestEnv  = "SLUICE_TRANSFER_CRASH_DEST"
	helperKeyEnv   = "SLUICE_TRANSFER_CRASH_KEY"
)

func TestMain(m *testing.M) {
	if point := os.Getenv(helperPointEnv); point != "" {
		if err := crashHelper(point, os.Getenv(helperDestEnv), os.Getenv(helperKeyEnv)); err != nil {
			fmt.Println("ERROR", err)
			os.Exit(2)
		}
		fmt.Println("DONE")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// stopAt prints the marker and waits for the SIGKILL that the parent sends
// on reading it.
func stopAt(point string) {
	fmt.Println("AT " + point)
	io.Copy(io.Discard, os.Stdin)
	fmt.Println("ERROR stdin closed at " + point)
	os.Exit(3)
}

// stallingReader gives the first half of its content, then stops forever
// in the middle of a copy.
type stallingReader struct {
	r     io.Reader
	half  int
	point string
}

func (s *stallingReader) Read(p []byte) (int, error) {
	if s.half <= 0 {
		stopAt(s.point)
	}
	if len(p) > s.half {
		p = p[:s.half]
	}
	n, err := s.r.Read(p)
	s.half -= n
	return n, err
}

var crashFiles = map[string]string{
	"a.txt":       strings.Repeat("a", 100<<10),
	"b/c.txt":     "c",
	"b/d/CON.txt": "d",
	"e.bin":       strings.Repeat("e", 1<<20),
}

func crashHelper(point, dest, keyFile string) error {
	priv, err := LoadPrivateKey(keyFile)
	if err != nil {
		return err
	}
	crashPoint = func(name string) {
		if name == point {
			stopAt(point)
		}
	}
	s, err := Begin(dest, Options{StationID: "gate-1"})
	if err != nil {
		return err
	}
	if point == "begun" {
		stopAt(point)
	}
	for i, name := range sortedKeys(crashFiles) {
		c := []byte(crashFiles[name])
		var r io.Reader = bytes.NewReader(c)
		if point == "mid-add" && i == 3 {
			r = &stallingReader{r: r, half: len(c) / 2, point: point}
		}
		if _, err := s.Add(name, r, int64(len(c)), digest(c)); err != nil {
			return err
		}
	}
	if point == "added" {
		stopAt(point)
	}
	_, err = s.Publish(priv, testInfo())
	return err
}

// A SIGKILL at any point before the rename leaves nothing at a final name,
// and CleanStale removes what is left; after the rename the transfer is
// complete.
func TestCrashLeavesNoPartialTransfer(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for _, point := range []string{"begun", "mid-add", "added", "placed", "signed", "before-rename", "renamed"} {
		t.Run(point, func(t *testing.T) {
			dest, keys := t.TempDir(), filepath.Join(t.TempDir(), "station")
			must(t, GenerateKeyFiles(keys))
			killAt(t, point, dest, keys+".key")
			entries, err := os.ReadDir(dest)
			must(t, err)
			var staging, final []string
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), StagingPrefix) {
					staging = append(staging, e.Name())
				} else {
					final = append(final, e.Name())
				}
			}
			removed, err := CleanStale(dest)
			must(t, err)
			if point == "renamed" {
				if len(final) != 1 || len(staging) != 0 || len(removed) != 0 {
					t.Fatalf("after the rename: dest holds %v %v, CleanStale removed %v", final, staging, removed)
				}
				pubs, err := LoadPublicKeys(keys + ".pub")
				must(t, err)
				m, problems, err := Verify(filepath.Join(dest, final[0]), pubs, VerifyOptions{})
				if err != nil || len(problems) != 0 || len(m.Files) != len(crashFiles) {
					t.Fatalf("after the rename: Verify = %v, %v", problems, err)
				}
				return
			}
			if len(final) != 0 {
				t.Errorf("killed at %s: dest holds %v at a final name", point, final)
			}
			if len(staging) != 1 || len(removed) != 1 || filepath.Base(removed[0]) != staging[0] {
				t.Errorf("killed at %s: staging %v, CleanStale removed %v", point, staging, removed)
			}
			if left, _ := os.ReadDir(dest); len(left) != 0 {
				t.Errorf("after CleanStale dest holds %v", left)
			}
		})
	}
}

func killAt(t *testing.T, point, dest, key string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperPointEnv+"="+point, helperDestEnv+"="+dest, helperKeyEnv+"="+key)
	stdin, err := cmd.StdinPipe()
	must(t, err)
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	lines := bufio.NewScanner(stdout)
	var seen []string
	for lines.Scan() {
		line := lines.Text()
		seen = append(seen, line)
		if line == "AT "+point {
			must(t, cmd.Process.Kill()) // SIGKILL
			break
		}
	}
	cmd.Wait()
	if len(seen) == 0 || seen[len(seen)-1] != "AT "+point {
		t.Fatalf("helper did not reach %s: %q", point, seen)
	}
}

// CleanStale leaves alone a staging that a live Staging holds.
func TestCleanStaleSkipsLive(t *testing.T) {
	dest := t.TempDir()
	s, err := Begin(dest, testOptions())
	must(t, err)
	defer s.Abort()
	removed, err := CleanStale(dest)
	if err != nil || len(removed) != 0 {
		t.Fatalf("CleanStale = %v, %v, want nothing removed", removed, err)
	}
	if _, err := os.Stat(s.dir); err != nil {
		t.Fatalf("live staging removed: %v", err)
	}
	must(t, s.Abort())
	if _, err := os.Stat(s.dir); !os.IsNotExist(err) {
		t.Errorf("Abort left %s: %v", s.dir, err)
	}
	// A symlink or file that merely looks like a staging is not touched.
	target := t.TempDir()
	must(t, os.Symlink(target, filepath.Join(dest, StagingPrefix+"link")))
	removed, _ = CleanStale(dest)
	if len(removed) != 0 {
		t.Errorf("CleanStale removed %v", removed)
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("CleanStale followed a symlink: %v", err)
	}
}
