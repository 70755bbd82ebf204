package kiosk

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/internal/corpus"
	"github.com/sluice-ot/sluice/internal/testenv"
	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/kiosk/config"
	"github.com/sluice-ot/sluice/kiosk/device"
	"github.com/sluice-ot/sluice/kiosk/mount"
	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/filetype"
	"github.com/sluice-ot/sluice/transfer"
)

// fakeMounter "mounts" a partition by pointing at a prepared folder.
type fakeMounter struct {
	mu       sync.Mutex
	trees    map[string]string // partition device → folder
	released []string
}

func (m *fakeMounter) Mount(_ context.Context, session, _ string, targets []mount.Target) ([]mount.Mounted, error) {
	var out []mount.Mounted
	for _, t := range targets {
		dir, ok := m.trees[t.Device]
		if !ok {
			out = append(out, mount.Mounted{Target: t, Err: fmt.Errorf("wrong fs type, bad superblock")})
			continue
		}
		// The rig's partitions are vfat, mounted as the station does
		// here: through fusefat.
		out = append(out, mount.Mounted{Target: t, Dir: dir, Driver: mount.DriverFusefat})
	}
	return out, nil
}

func (m *fakeMounter) Release(session string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.released = append(m.released, session)
	return nil
}

// memRecorder keeps the record in memory.
type memRecorder struct {
	mu      sync.Mutex
	started []api.Session
	ended   []api.Session
	files   map[string][]api.File
	endedCh chan api.Session
}

func newMemRecorder() *memRecorder {
	return &memRecorder{files: map[string][]api.File{}, endedCh: make(chan api.Session, 16)}
}

func (r *memRecorder) SessionStarted(_ context.Context, s api.Session) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, s)
	return nil
}

func (r *memRecorder) SessionFiles(_ context.Context, id string, files []api.File) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[id] = append(r.files[id], files...)
	return nil
}

func (r *memRecorder) SessionEnded(_ context.Context, s api.Session) error {
	r.mu.Lock()
	r.ended = append(r.ended, s)
	r.mu.Unlock()
	r.endedCh <- s
	return nil
}

func (r *memRecorder) Sessions(context.Context, int) ([]api.Session, error) { return nil, nil }
func (r *memRecorder) Session(context.Context, string) (*api.SessionDetail, error) {
	return nil, api.ErrNotFound
}

// gateEngine blocks every scan until released or cancelled, so a test can
// act while a session is scanning.
type gateEngine struct {
	started chan struct{}
	once    sync.Once
	release chan struct{}
}

func (g *gateEngine) Name() string { return "gate" }
func (g *gateEngine) Scan(ctx context.Context, _ *scanner.Object) ([]scanner.Finding, error) {
	g.once.Do(func() { close(g.started) })
	select {
	case <-g.release:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type rig struct {
	st      *Station
	rec     *memRecorder
	mnt     *fakeMounter
	dest    string
	pub     minisign.PublicKey
	events  chan device.Event
	cancel  context.CancelFunc
	done    chan error
	updates <-chan api.Event
}

func newRig(t *testing.T, engines ...scanner.Engine) *rig {
	t.Helper()
	sc, err := scanner.New(scanner.Config{Engines: engines, Policy: filetype.DefaultPolicy(), SpoolDir: t.TempDir(), Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	pub, key, err := minisign.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.StationID = "gate-test"
	cfg.Destination = t.TempDir()
	r := &rig{rec: newMemRecorder(), mnt: &fakeMounter{trees: map[string]string{}}, dest: cfg.Destination, pub: pub, events: make(chan device.Event, 8), done: make(chan error, 1)}
	r.st = New(cfg, Deps{Scanner: sc, Mounter: r.mnt, Recorder: r.rec, Key: key, Rules: api.Rules{Name: "test", Version: "1"}, Engines: []transfer.Component{{Name: "sluice", Version: "test"}}})
	r.updates, _ = r.st.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.st.Run(ctx, r.events) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return r
}

// drive prepares a drive whose partitions hold the given trees.
func (r *rig) drive(t *testing.T, dev string, parts ...map[string][]byte) device.Drive {
	t.Helper()
	d := device.Drive{Device: dev, Bus: "usb", Vendor: "ACME", Model: "Stick", Serial: "S-" + filepath.Base(dev), Size: 1 << 30,
		Interfaces: []device.Interface{{Class: 0x08, SubClass: 0x06, Protocol: 0x50}}}
	for i, files := range parts {
		pdev := fmt.Sprintf("%s%d", dev, i+1)
		d.Partitions = append(d.Partitions, device.Partition{Device: pdev, Number: i + 1, FSType: "vfat", FSUUID: "ABCD-000" + fmt.Sprint(i+1)})
		if files == nil {
			continue // no tree: the partition will not mount
		}
		dir := t.TempDir()
		var list []corpus.File
		for p, data := range files {
			list = append(list, corpus.File{Path: p, Data: data})
		}
		if err := corpus.Write(dir, list); err != nil {
			t.Fatal(err)
		}
		r.mnt.trees[pdev] = dir
	}
	return d
}

func (r *rig) waitEnd(t *testing.T) api.Session {
	t.Helper()
	select {
	case s := <-r.rec.endedCh:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("no session ended")
	}
	return api.Session{}
}

func TestCleanSession(t *testing.T) {
	r := newRig(t)
	if err := r.st.SetOperator("badge 4411"); err != nil {
		t.Fatal(err)
	}
	d := r.drive(t, "/dev/sdx", map[string][]byte{"docs/a.txt": []byte("alpha"), "eicar.com": corpus.EICAR, "b.pdf": corpus.PE()})
	r.events <- device.Event{Kind: device.Inserted, Drive: d}
	s := r.waitEnd(t)
	if s.State != api.Done || s.Counts.Clean != 1 || s.Counts.Blocked != 2 || s.TransferPath == "" || s.Operator != "badge 4411" {
		t.Fatalf("session = %+v, want done with 1 clean file published for badge 4411", s)
	}
	m, problems, err := transfer.Verify(s.TransferPath, []minisign.PublicKey{r.pub}, transfer.VerifyOptions{})
	if err != nil || len(problems) != 0 || len(m.Files) != 1 || m.Files[0].Path != "docs/a.txt" || m.Operator != "badge 4411" || m.Source.Serial != "S-sdx" {
		t.Errorf("transfer = %+v, problems %v, err %v", m, problems, err)
	}
	if got := r.rec.files[s.ID]; len(got) != 3 {
		t.Errorf("recorded %d files, want 3", len(got))
	}
	// Every file held back carries the scanner's stable cause, for the
	// touchscreen's words; a clean one none.
	for _, f := range r.rec.files[s.ID] {
		if clean := f.Verdict == "clean"; clean != (f.Cause == "") || !clean && !strings.HasPrefix(f.Cause, f.Verdict) {
			t.Errorf("recorded %s: verdict %q, cause %q; want a cause naming the verdict for every file not clean", f.Path, f.Verdict, f.Cause)
		}
	}
	if !slices.Contains(r.mnt.released, s.ID) {
		t.Errorf("mounts of %s not released", s.ID)
	}
	// The operator name was for that one session; the station goes idle.
	deadline := time.Now().Add(5 * time.Second)
	for r.st.Status(context.Background()).State != "idle" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := r.st.Status(context.Background()); st.Operator != "" || st.State != "idle" || st.OperatorPrompt != api.OperatorPromptNone {
		t.Errorf("status after session = %+v, want idle with no operator, and no operator prompt by default", st)
	}
	r.st.cfg.OperatorPrompt = api.OperatorPromptBadge
	if p := r.st.Status(context.Background()).OperatorPrompt; p != api.OperatorPromptBadge {
		t.Errorf("status operator prompt = %q with operator_prompt = badge, want badge", p)
	}
	var states []api.State
	for len(r.updates) > 0 {
		ev := <-r.updates
		if ev.Type == "state" {
			states = append(states, ev.Session.State)
		}
	}
	want := []api.State{api.Detected, api.Mounting, api.Scanning, api.Publishing, api.Done}
	if !slices.Equal(states, want) {
		t.Errorf("state events = %v, want %v", states, want)
	}
}

func TestRefusedDevice(t *testing.T) {
	r := newRig(t)
	d := r.drive(t, "/dev/sdy", map[string][]byte{"a.txt": []byte("a")})
	d.Interfaces = append(d.Interfaces, device.Interface{Class: 0x03, SubClass: 0x01, Protocol: 0x01}) // a keyboard too
	r.events <- device.Event{Kind: device.Inserted, Drive: d}
	s := r.waitEnd(t)
	if s.State != api.Failed || s.Reason != api.ReasonRefused || s.TransferPath != "" {
		t.Errorf("session = %+v, want failed: refused", s)
	}
	if len(r.mnt.released) != 0 {
		t.Errorf("a refused drive was mounted (released %v)", r.mnt.released)
	}
}

func TestRemovedMidScan(t *testing.T) {
	gate := &gateEngine{started: make(chan struct{}), release: make(chan struct{})}
	r := newRig(t, gate)
	d := r.drive(t, "/dev/sdz", map[string][]byte{"a.txt": []byte("a"), "b.txt": []byte("b")})
	r.events <- device.Event{Kind: device.Inserted, Drive: d}
	<-gate.started
	// The file being scanned is named as on the drive, never by the
	// station's mount point.
	if st := r.st.Status(context.Background()); st.Current == nil || !slices.Contains([]string{"a.txt", "b.txt"}, st.Current.Progress.Current) {
		t.Errorf("status current = %+v, want a.txt or b.txt scanning", st.Current)
	}
	r.events <- device.Event{Kind: device.Removed, Drive: d}
	s := r.waitEnd(t)
	if s.State != api.Aborted || s.Reason != api.ReasonRemoved || s.TransferPath != "" {
		t.Errorf("session = %+v, want aborted: removed", s)
	}
	if ents, _ := os.ReadDir(r.dest); len(ents) != 0 {
		t.Errorf("destination holds %d entries after an aborted session, want none", len(ents))
	}
	if !slices.Contains(r.mnt.released, s.ID) {
		t.Errorf("mounts not released after removal")
	}
}

func TestCancelAndQueue(t *testing.T) {
	gate := &gateEngine{started: make(chan struct{}), release: make(chan struct{})}
	r := newRig(t, gate)
	a := r.drive(t, "/dev/sda9", map[string][]byte{"a.txt": []byte("a")})
	b := r.drive(t, "/dev/sdb9", map[string][]byte{"b.txt": []byte("b")})
	r.events <- device.Event{Kind: device.Inserted, Drive: a}
	<-gate.started
	r.events <- device.Event{Kind: device.Inserted, Drive: b}
	r.events <- device.Event{Kind: device.Inserted, Drive: b} // a burst: still one wait
	deadline := time.Now().Add(5 * time.Second)
	for r.st.Status(context.Background()).Waiting != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st := r.st.Status(context.Background())
	if st.Waiting != 1 || st.Current == nil || st.Current.Device.Device != "/dev/sda9" {
		t.Fatalf("status = %+v, want a's session running and b waiting", st)
	}
	if err := r.st.Cancel("not-the-id"); err == nil {
		t.Errorf("Cancel(wrong id) = nil, want an error")
	}
	if err := r.st.Cancel(st.Current.ID); err != nil {
		t.Fatal(err)
	}
	s := r.waitEnd(t)
	if s.State != api.Aborted || s.Reason != api.ReasonCancelled {
		t.Errorf("first session = %+v, want aborted: cancelled", s)
	}
	close(gate.release) // b scans freely
	s = r.waitEnd(t)
	if s.State != api.Done || s.Device.Device != "/dev/sdb9" || s.TransferPath == "" {
		t.Errorf("second session = %+v, want b done and published", s)
	}
}

func TestUnreadableAndTwoPartitions(t *testing.T) {
	r := newRig(t)
	bad := r.drive(t, "/dev/sdu", nil)
	r.events <- device.Event{Kind: device.Inserted, Drive: bad}
	s := r.waitEnd(t)
	if s.State != api.Failed || s.Reason != api.ReasonUnreadable || s.Device.Partitions[0].Error == "" {
		t.Errorf("unmountable drive: session = %+v, want failed: unreadable with the partition's error", s)
	}

	two := r.drive(t, "/dev/sdv", map[string][]byte{"a.txt": []byte("one")}, nil, map[string][]byte{"a.txt": []byte("three")})
	r.events <- device.Event{Kind: device.Inserted, Drive: two}
	s = r.waitEnd(t)
	if s.State != api.Done || s.Counts.Clean != 2 || s.Device.Partitions[1].Error == "" {
		t.Fatalf("two good partitions and a bad one: session = %+v", s)
	}
	m, problems, err := transfer.Verify(s.TransferPath, []minisign.PublicKey{r.pub}, transfer.VerifyOptions{})
	if err != nil || len(problems) != 0 {
		t.Fatalf("verify: %v %v", problems, err)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	slices.Sort(paths)
	if !slices.Equal(paths, []string{"p1/a.txt", "p3/a.txt"}) {
		t.Errorf("transfer paths = %v, want each partition in its own folder", paths)
	}
}

func TestStopMidSession(t *testing.T) {
	gate := &gateEngine{started: make(chan struct{}), release: make(chan struct{})}
	r := newRig(t, gate)
	d := r.drive(t, "/dev/sdw", map[string][]byte{"a.txt": []byte("a")})
	r.events <- device.Event{Kind: device.Inserted, Drive: d}
	<-gate.started
	r.cancel()
	s := r.waitEnd(t)
	if s.State != api.Aborted || s.Reason != api.ReasonStopped {
		t.Errorf("session = %+v, want aborted: stopped", s)
	}
	if err := <-r.done; err != nil {
		t.Errorf("Run() = %v, want nil after a stop", err)
	}
	r.done <- nil // for the cleanup
	if !slices.Contains(r.mnt.released, s.ID) {
		t.Errorf("mounts not released on stop")
	}
}

// A full transfer share: the session fails with a reason the operator can
// act on, and nothing partial is left in the share.
func TestDestinationFull(t *testing.T) {
	r := newRig(t)
	r.st.cfg.Destination = testenv.LoopExt4(t, 8, "rw")
	files := map[string][]byte{}
	for i := range 12 {
		files[fmt.Sprintf("data/%02d.txt", i)] = bytes.Repeat([]byte("plant data line\n"), 64<<10)
	}
	r.events <- device.Event{Kind: device.Inserted, Drive: r.drive(t, "/dev/sdf", files)}
	s := r.waitEnd(t)
	if s.State != api.Failed || s.Reason != api.ReasonDestinationFull || s.TransferPath != "" {
		t.Errorf("session = %+v, want failed: destination-full", s)
	}
	ents, err := os.ReadDir(r.st.cfg.Destination)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "lost+found" {
			t.Errorf("the full share holds %s after the session, want nothing", e.Name())
		}
	}
}

// wordEngine finds a word: a stand-in for a rule update.
type wordEngine struct{ word string }

func (w wordEngine) Name() string { return "word" }
func (w wordEngine) Scan(_ context.Context, obj *scanner.Object) ([]scanner.Finding, error) {
	b, err := io.ReadAll(obj.File)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(b, []byte(w.word)) {
		return []scanner.Finding{{Engine: "word", Rule: w.word, Verdict: scanner.Infected}}, nil
	}
	return nil, nil
}

// A rule update mid-session: the running session keeps the engines it
// started with, the next one uses the new ones, and the old ones are
// freed once no session uses them.
func TestSetEnginesBetweenSessions(t *testing.T) {
	gate := &gateEngine{started: make(chan struct{}), release: make(chan struct{})}
	r := newRig(t, gate)
	var oldClosed atomic.Int32
	r.st.SetEngines(r.st.engines.scanner, api.Rules{Name: "yara", Version: "1"}, func() { oldClosed.Add(1) })

	r.events <- device.Event{Kind: device.Inserted, Drive: r.drive(t, "/dev/sdq", map[string][]byte{"a.txt": []byte("alpha")})}
	<-gate.started
	sc, err := scanner.New(scanner.Config{Engines: []scanner.Engine{wordEngine{"alpha"}}, Policy: filetype.DefaultPolicy(), SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r.st.SetEngines(sc, api.Rules{Name: "yara", Version: "2"}, nil)
	if n := oldClosed.Load(); n != 0 {
		t.Errorf("old engines closed %d times while a session still scans with them", n)
	}
	if v := r.st.Status(context.Background()).Rules.Version; v != "2" {
		t.Errorf("status rules version = %q, want the new 2", v)
	}
	r.st.SetEngines(sc, api.Rules{Name: "yara", Version: "2", Created: time.Now().Add(-49 * time.Hour)}, nil)
	if age := r.st.Status(context.Background()).Rules.AgeDays; age != 2 {
		t.Errorf("status rules age = %d days, want 2", age)
	}
	close(gate.release)
	s := r.waitEnd(t)
	if s.State != api.Done || s.Counts.Clean != 1 {
		t.Errorf("running session = %+v, want it finished with the old engines (clean)", s)
	}
	if n := oldClosed.Load(); n != 1 {
		t.Errorf("old engines closed %d times after their last session, want 1", n)
	}

	r.events <- device.Event{Kind: device.Inserted, Drive: r.drive(t, "/dev/sdr", map[string][]byte{"a.txt": []byte("alpha")})}
	s = r.waitEnd(t)
	if s.State != api.Done || s.Counts.Infected != 1 {
		t.Errorf("next session = %+v, want the new engines to find the word", s)
	}
}

func TestFATLabelName(t *testing.T) {
	for label, want := range map[string]string{
		"DEMO-STICK": "DEMO-STI.CK", "usb": "USB", "MY DRIVE": "MY DRIVE", "ABCDEFGH": "ABCDEFGH",
		"LONGLABEL12": "LONGLABE.L12", "AB      C": "AB.C",
	} {
		if got := fatLabelName(label); got != want {
			t.Errorf("fatLabelName(%q) = %q, want %q", label, got, want)
		}
	}
}

// fusefat shows a FAT volume label as an empty file at the root; it is
// neither counted nor published. A file of the same name elsewhere is.
func TestFATLabelIsNotAFile(t *testing.T) {
	r := newRig(t)
	d := r.drive(t, "/dev/sdl", map[string][]byte{"DEMO-STI.CK": {}, "docs/DEMO-STI.CK": {}, "a.txt": []byte("a")})
	d.Partitions[0].FSLabel = "DEMO-STICK"
	r.events <- device.Event{Kind: device.Inserted, Drive: d}
	s := r.waitEnd(t)
	if s.State != api.Done || s.Counts.Clean != 2 {
		t.Fatalf("session = %+v, want 2 clean files (the label entry left out)", s)
	}
	m, _, err := transfer.Verify(s.TransferPath, []minisign.PublicKey{r.pub}, transfer.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		if f.Path == "DEMO-STI.CK" {
			t.Errorf("the volume label was published as a file")
		}
	}
}

// A drive pulled out and put back at once, under the same device name,
// gets a session of its own once the aborted one has ended.
func TestReinsertedWhileEnding(t *testing.T) {
	gate := &gateEngine{started: make(chan struct{}), release: make(chan struct{})}
	r := newRig(t, gate)
	d := r.drive(t, "/dev/sdk", map[string][]byte{"a.txt": []byte("a")})
	r.events <- device.Event{Kind: device.Inserted, Drive: d}
	<-gate.started
	r.events <- device.Event{Kind: device.Removed, Drive: d}
	r.events <- device.Event{Kind: device.Inserted, Drive: d}
	s := r.waitEnd(t)
	if s.State != api.Aborted || s.Reason != api.ReasonRemoved {
		t.Fatalf("first session = %+v, want aborted: removed", s)
	}
	close(gate.release)
	s = r.waitEnd(t)
	if s.State != api.Done || s.Device.Device != "/dev/sdk" {
		t.Errorf("second session = %+v, want the reinserted drive scanned", s)
	}
}

// TestEndedUntilRemoved: an ended session is kept in the status while its
// drive is in, and its drive's removal is published, so the touchscreen
// returns to idle exactly then. The status stays idle meanwhile.
func TestEndedUntilRemoved(t *testing.T) {
	r := newRig(t)
	d := r.drive(t, "/dev/sdm", map[string][]byte{"a.txt": []byte("a")})
	r.events <- device.Event{Kind: device.Inserted, Drive: d}
	s := r.waitEnd(t)
	st := r.waitStatus(t, "ended "+s.ID, func(st api.Status) bool { return st.Ended != nil })
	if st.State != "idle" || st.Current != nil || st.Ended.ID != s.ID || st.Ended.State != api.Done {
		t.Fatalf("status after the session = %+v, want idle, no current, ended %s done", st, s.ID)
	}
	// Another drive's removal changes nothing.
	r.events <- device.Event{Kind: device.Removed, Drive: device.Drive{Device: "/dev/sdq"}}
	r.events <- device.Event{Kind: device.Removed, Drive: device.Drive{Device: "/dev/sdm"}}
	ev := r.nextEvent(t, api.EventRemoved)
	if ev.Session == nil || ev.Session.ID != s.ID {
		t.Errorf("removed event = %+v, want session %s", ev, s.ID)
	}
	if st := r.st.Status(context.Background()); st.Ended != nil {
		t.Errorf("status ended after removal = %+v, want none", st.Ended)
	}
}

// TestEndedClearedByNextSession: a drive left in is let go of by the next
// session, and a drive pulled out during its session is never kept.
func TestEndedClearedByNextSession(t *testing.T) {
	gate := &gateEngine{started: make(chan struct{}), release: make(chan struct{})}
	r := newRig(t, gate)
	a := r.drive(t, "/dev/sdn", map[string][]byte{"a.txt": []byte("a")})
	b := r.drive(t, "/dev/sdo", map[string][]byte{"b.txt": []byte("b")})
	close(gate.release)
	r.events <- device.Event{Kind: device.Inserted, Drive: a}
	first := r.waitEnd(t)
	r.waitStatus(t, "ended "+first.ID, func(st api.Status) bool { return st.Ended != nil })
	r.events <- device.Event{Kind: device.Inserted, Drive: b}
	r.waitEnd(t)
	st := r.waitStatus(t, "b's session ended", func(st api.Status) bool { return st.Ended != nil && st.Ended.ID != first.ID })
	if st.Ended.Device.Device != "/dev/sdo" {
		t.Errorf("status ended = %+v, want b's session", st.Ended)
	}
	// a's removal now says nothing: its session is no longer on show.
	r.events <- device.Event{Kind: device.Removed, Drive: a}
	r.events <- device.Event{Kind: device.Removed, Drive: b}
	if ev := r.nextEvent(t, api.EventRemoved); ev.Session.Device.Device != "/dev/sdo" {
		t.Errorf("removed event for %s, want only b's", ev.Session.Device.Device)
	}

	gate2 := &gateEngine{started: make(chan struct{}), release: make(chan struct{})}
	r2 := newRig(t, gate2)
	c := r2.drive(t, "/dev/sdp", map[string][]byte{"c.txt": []byte("c")})
	r2.events <- device.Event{Kind: device.Inserted, Drive: c}
	<-gate2.started
	r2.events <- device.Event{Kind: device.Removed, Drive: c}
	if s := r2.waitEnd(t); s.Reason != api.ReasonRemoved {
		t.Fatalf("session = %+v, want aborted: removed", s)
	}
	r2.waitStatus(t, "no current session", func(st api.Status) bool { return st.Current == nil })
	if st := r2.st.Status(context.Background()); st.Ended != nil {
		t.Errorf("status ended = %+v after the drive was pulled out mid-session, want none", st.Ended)
	}
}

// waitStatus polls the status until ok says it is there.
func (r *rig) waitStatus(t *testing.T, what string, ok func(api.Status) bool) api.Status {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := r.st.Status(context.Background())
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never showed %s: %+v", what, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// nextEvent skips events until one of type typ.
func (r *rig) nextEvent(t *testing.T, typ string) api.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-r.updates:
			if ev.Type == typ {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event", typ)
		}
	}
}
