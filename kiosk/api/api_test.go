package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// fakeStation is a hand-written Station for the server tests.
type fakeStation struct {
	mu       sync.Mutex
	operator string
	cancels  []string
	subs     []chan Event
}

func (f *fakeStation) Status(context.Context) Status {
	return Status{StationID: "gate-1", State: "busy", Current: &Session{ID: "s1", State: Scanning}, OperatorPrompt: OperatorPromptBadge}
}

func (f *fakeStation) Sessions(_ context.Context, limit int) ([]Session, error) {
	return []Session{{ID: "s1", State: Scanning}, {ID: "s0", State: Done}}[:min(limit, 2)], nil
}

func (f *fakeStation) Session(_ context.Context, id string) (*SessionDetail, error) {
	if id != "s1" {
		return nil, ErrNotFound
	}
	return &SessionDetail{Session: Session{ID: "s1"}, Files: []File{
		{Path: "a.txt", Verdict: "clean", Reasons: []string{}},
		{Path: "m.docm", Verdict: "blocked", Reasons: []string{"macro"}, Cause: "blocked:policy/macro"},
	}}, nil
}

func (f *fakeStation) Cancel(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id == "s0" {
		return ErrNotRunning
	}
	f.cancels = append(f.cancels, id)
	return nil
}

func (f *fakeStation) SetOperator(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.operator = name
	return nil
}

func (f *fakeStation) Subscribe() (<-chan Event, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan Event, 8)
	f.subs = append(f.subs, ch)
	return ch, func() {}
}

func (f *fakeStation) publish(ev Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ch := range f.subs {
		ch <- ev
	}
}

func serve(t *testing.T, st Station) string {
	t.Helper()
	dir := t.TempDir()
	sock := filepath.Join(dir, "api.sock")
	ln, err := Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- Serve(ctx, ln, Handler(st, nil)) }()
	t.Cleanup(func() { cancel(); <-done })
	return sock
}

func TestClientServer(t *testing.T) {
	st := &fakeStation{}
	c := NewClient(serve(t, st))
	ctx := context.Background()

	s, err := c.Status(ctx)
	if err != nil || s.StationID != "gate-1" || s.Current == nil || s.Current.State != Scanning || s.OperatorPrompt != OperatorPromptBadge {
		t.Errorf("Status() = %+v, %v", s, err)
	}
	ss, err := c.Sessions(ctx, 1)
	if err != nil || len(ss) != 1 || ss[0].ID != "s1" {
		t.Errorf("Sessions(1) = %+v, %v", ss, err)
	}
	d, err := c.Session(ctx, "s1")
	if err != nil || len(d.Files) != 2 || d.Files[0].Path != "a.txt" || d.Files[0].Cause != "" || d.Files[1].Cause != "blocked:policy/macro" {
		t.Errorf("Session(s1) = %+v, %v", d, err)
	}
	if _, err := c.Session(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Session(nope) error = %v, want ErrNotFound", err)
	}
	if err := c.Cancel(ctx, "s1"); err != nil || len(st.cancels) != 1 {
		t.Errorf("Cancel(s1) = %v, cancels %v", err, st.cancels)
	}
	if err := c.Cancel(ctx, "s0"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Cancel(finished) error = %v, want ErrNotRunning", err)
	}
	if err := c.SetOperator(ctx, "badge 4411"); err != nil || st.operator != "badge 4411" {
		t.Errorf("SetOperator = %v, operator %q", err, st.operator)
	}
	if _, err := c.Sessions(ctx, 5000); !errors.Is(err, ErrInvalid) {
		t.Errorf("Sessions(5000) error = %v, want ErrInvalid", err)
	}
}

func TestEvents(t *testing.T) {
	st := &fakeStation{}
	c := NewClient(serve(t, st))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []string
	err := c.Events(ctx, func(typ string, data []byte) error {
		got = append(got, typ)
		switch typ {
		case "status":
			st.publish(Event{Type: "progress", Session: &Session{ID: "s1", Progress: Progress{FilesDone: 3}}})
			st.publish(Event{Type: "state", Session: &Session{ID: "s1", State: Done}})
		case "state":
			var ev Event
			if err := json.Unmarshal(data, &ev); err != nil || ev.Session.State != Done {
				t.Errorf("state event %s: %v", data, err)
			}
			return io.EOF
		}
		return nil
	})
	if !errors.Is(err, io.EOF) {
		t.Errorf("Events() = %v", err)
	}
	if want := []string{"status", "progress", "state"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("events = %v, want %v", got, want)
	}
}

func TestUnreachable(t *testing.T) {
	c := NewClient(filepath.Join(t.TempDir(), "none.sock"))
	if _, err := c.Status(context.Background()); !errors.Is(err, ErrUnreachable) {
		t.Errorf("Status() without daemon = %v, want ErrUnreachable", err)
	}
}

// The socket is 0660 and replaced when stale; a user outside the group
// cannot connect.
func TestSocketPermissions(t *testing.T) {
	testenv.Root(t, "checking that another user is refused")
	// A folder nobody may enter, so that only the socket's mode decides.
	dir, err := os.MkdirTemp("", "sluice-api-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "api.sock")
	ln, err := Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // leaves a stale socket file behind
	ln, err = Listen(sock, "")
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	defer ln.Close()
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket mode = %v, %v; want 0660", fi.Mode(), err)
	}
	// Run a copy of this test binary as nobody, asking it to dial.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyExe := filepath.Join(dir, "dial.test")
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyExe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(copyExe)
	cmd.Env = append(os.Environ(), "SLUICE_API_DIAL="+sock)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// TestMain doubles as the child of TestSocketPermissions: run as nobody,
// it dials the socket and must be refused.
func TestMain(m *testing.M) {
	if sock := os.Getenv("SLUICE_API_ADMIN_CHILD"); sock != "" {
		if err := adminPeerChild(sock, os.Getenv("SLUICE_API_ADMIN_CODE")); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	if sock := os.Getenv("SLUICE_API_DIAL"); sock != "" {
		_, err := net.Dial("unix", sock)
		if !errors.Is(err, syscall.EACCES) {
			os.Stderr.WriteString("dial as nobody: want permission denied, got " + fmt.Sprint(err) + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
