package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
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

// The socket is 0660 and removed on Close; a user outside the group
// cannot connect. (TestSocketNeverWider replaces a stale socket.)
func TestSocketPermissions(t *testing.T) {
	testenv.Root(t, "checking that another user is refused")
	// A folder everyone may enter, so that only the socket's mode decides.
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
	ln.Close()
	if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close, Lstat(socket) = %v; want it removed", err)
	}
	ln, err = Listen(sock, "")
	if err != nil {
		t.Fatalf("Listen again: %v", err)
	}
	defer ln.Close()
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket mode = %v, %v; want 0660", fi.Mode(), err)
	}
	// Run a copy of this test binary as nobody, asking it to dial.
	if out, err := dialAs(t, dir, sock, "refused", nil); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// The socket belongs to the configured group: a user with that group as a
// supplementary group connects and reads the status; the same user
// without it is refused.
func TestSocketGroup(t *testing.T) {
	testenv.Root(t, "giving the socket a group and connecting as another user")
	const group = "daemon" // in every Debian base system
	g, err := user.LookupGroup(group)
	if err != nil {
		testenv.Require(t, "no group "+group+" to give the socket: "+err.Error())
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		t.Fatal(err)
	}
	// A folder everyone may enter: only the socket's mode and group decide.
	dir, err := os.MkdirTemp("", "sluice-api-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "api.sock")
	ln, err := Listen(sock, group)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- Serve(ctx, ln, Handler(&fakeStation{}, nil)) }()
	t.Cleanup(func() { cancel(); <-done })

	fi, err := os.Lstat(sock)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o660 || st.Uid != 0 || int(st.Gid) != gid {
		t.Fatalf("socket %v uid %d gid %d; want a socket 0660, uid 0, gid %d (%s)", fi.Mode(), st.Uid, st.Gid, gid, group)
	}
	if out, err := dialAs(t, dir, sock, "status", []uint32{uint32(gid)}); err != nil {
		t.Errorf("nobody with group %s: %v\n%s", group, err, out)
	}
	if out, err := dialAs(t, dir, sock, "refused", nil); err != nil {
		t.Errorf("nobody without group %s: %v\n%s", group, err, out)
	}
}

// dialAs runs a copy of this test binary, in dir, as nobody with the
// supplementary groups given, to dial sock and expect want ("refused" or
// "status"); see TestMain. The copy is needed because go test's binary
// lies in a folder nobody may enter.
func dialAs(t *testing.T, dir, sock, want string, groups []uint32) ([]byte, error) {
	t.Helper()
	exe := filepath.Join(dir, "dial.test")
	if _, err := os.Stat(exe); err != nil {
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(self)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(exe, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "SLUICE_API_DIAL="+sock, "SLUICE_API_DIAL_WANT="+want)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: groups}}
	return cmd.CombinedOutput()
}

// TestMain doubles as the child of the tests that connect as another user
// (dialAs, TestAdminPeerCredentials).
func TestMain(m *testing.M) {
	if sock := os.Getenv("SLUICE_API_ADMIN_CHILD"); sock != "" {
		if err := adminPeerChild(sock, os.Getenv("SLUICE_API_ADMIN_CODE")); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	if sock := os.Getenv("SLUICE_API_DIAL"); sock != "" {
		if err := dialChild(sock, os.Getenv("SLUICE_API_DIAL_WANT")); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// dialChild is dialAs's child: as nobody, it must be refused the socket
// (want "refused") or read the status through it (want "status").
func dialChild(sock, want string) error {
	if os.Getuid() == 0 {
		return errors.New("the child must not run as root")
	}
	switch want {
	case "refused":
		c, err := net.Dial("unix", sock)
		if err == nil {
			c.Close()
		}
		if !errors.Is(err, syscall.EACCES) {
			return fmt.Errorf("dial as nobody: want permission denied, got %v", err)
		}
		return nil
	case "status":
		s, err := NewClient(sock).Status(context.Background())
		if err != nil || s.StationID != "gate-1" {
			return fmt.Errorf("Status() as nobody = %+v, %v; want gate-1's", s, err)
		}
		return nil
	}
	return fmt.Errorf("SLUICE_API_DIAL_WANT=%q, want refused or status", want)
}

// TestEventsStreamEnded: a stream the daemon ends (it stopped) is an
// error, ErrStreamEnded, not a clean end: a watcher must not take it for
// a session that ended well.
func TestEventsStreamEnded(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "api.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: status\ndata: {}\n\n")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	var got []string
	err = NewClient(sock).Events(context.Background(), func(typ string, data []byte) error {
		got = append(got, typ)
		return nil
	})
	if !errors.Is(err, ErrStreamEnded) || len(got) != 1 {
		t.Errorf("Events() on a stream the server ended = %v after %q, want ErrStreamEnded after one status event", err, got)
	}
}
