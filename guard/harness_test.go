package guard

import (
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/guard/uevent"
)

// fakeSource feeds synthetic uevents through the seam *uevent.Conn fills.
type fakeSource struct {
	ch      chan uevent.Event
	started chan struct{}
	once    sync.Once
}

func newFakeSource() *fakeSource {
	return &fakeSource{ch: make(chan uevent.Event, 1024), started: make(chan struct{})}
}

func (f *fakeSource) Run(ctx context.Context, handle func(uevent.Event), _ func()) error {
	f.once.Do(func() { close(f.started) })
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-f.ch:
			handle(ev)
		}
	}
}

func usbEvent(action string, u usbDev) uevent.Event {
	return uevent.Event{Action: action, DevPath: u.devpath(), Subsystem: "usb", DevType: "usb_device",
		Env: map[string]string{"ACTION": action, "DEVPATH": u.devpath(), "SUBSYSTEM": "usb", "DEVTYPE": "usb_device"}}
}

// rec is one captured log record, attributes flattened to strings.
type rec struct {
	msg   string
	level slog.Level
	attrs map[string]string
}

// collector is a slog.Handler that keeps every record, and can act as
// the kernel: after each write to `authorized` it sends the `change`
// event the kernel would.
type collector struct {
	mu   sync.Mutex
	cond *sync.Cond
	recs []rec
	echo func(device string) // nil: no echo
}

func newCollector() *collector {
	c := &collector{}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *collector) Enabled(context.Context, slog.Level) bool { return true }
func (c *collector) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *collector) WithGroup(string) slog.Handler            { return c }

func (c *collector) Handle(_ context.Context, r slog.Record) error {
	x := rec{msg: r.Message, level: r.Level, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool { x.attrs[a.Key] = a.Value.String(); return true })
	c.mu.Lock()
	echo := c.echo
	c.mu.Unlock()
	// The echo is queued before the record shows, as the kernel queues its
	// event before the write returns.
	if echo != nil && x.msg == "usb decision" && x.attrs["wrote"] == "true" {
		echo(x.attrs["device"])
	}
	c.mu.Lock()
	c.recs = append(c.recs, x)
	c.cond.Broadcast()
	c.mu.Unlock()
	return nil
}

// waitFor returns the first record from index from on that matches, and
// the index after it; it fails the test if none comes (a hang guard, not
// a timing assertion).
func (c *collector) waitFor(t *testing.T, from int, match func(rec) bool) (rec, int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	timer := time.AfterFunc(20*time.Second, func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := from; ; i++ {
		for i >= len(c.recs) {
			if time.Now().After(deadline) {
				t.Fatalf("no matching record after #%d; have:\n%s", from, c.dumpLocked())
			}
			c.cond.Wait()
		}
		if match(c.recs[i]) {
			return c.recs[i], i + 1
		}
	}
}

func (c *collector) all() []rec {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]rec(nil), c.recs...)
}

func (c *collector) dumpLocked() string {
	s := ""
	for i, r := range c.recs {
		s += "  #" + strconv.Itoa(i) + " " + r.msg + " " + fmtAttrs(r.attrs) + "\n"
	}
	return s
}

func fmtAttrs(m map[string]string) string {
	s := ""
	for _, k := range []string{"device", "trigger", "decision", "authorized", "wrote", "reason"} {
		if v, ok := m[k]; ok {
			s += k + "=" + v + " "
		}
	}
	return s
}

func decisionFor(device, decision string) func(rec) bool {
	return func(r rec) bool {
		return r.msg == "usb decision" && r.attrs["device"] == device && (decision == "" || r.attrs["decision"] == decision)
	}
}

func msgIs(msg string) func(rec) bool { return func(r rec) bool { return r.msg == msg } }

// fakeMedia answers Verify from a table by device node, and remembers
// what was checked (attached), exposed, and released.
type fakeMedia struct {
	mu       sync.Mutex
	results  map[string]MediaResult
	attached []string
	exposed  []string
	released []string
}

func (m *fakeMedia) Verify(_ context.Context, dev string) (heldMedia, MediaResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.attached = append(m.attached, dev)
	res := m.results[dev]
	if !res.Allowed {
		return nil, res, nil
	}
	return fakeHeld{m, dev}, res, nil
}

// fakeHeld is a drive fakeMedia verified.
type fakeHeld struct {
	m   *fakeMedia
	dev string
}

func (h fakeHeld) Release() error {
	h.m.mu.Lock()
	h.m.released = append(h.m.released, h.dev)
	h.m.mu.Unlock()
	return nil
}

func (h fakeHeld) Expose(context.Context) (func() error, error) {
	h.m.mu.Lock()
	h.m.exposed = append(h.m.exposed, h.dev)
	h.m.mu.Unlock()
	return h.Release, nil
}

func (m *fakeMedia) snapshot() (attached, released []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.attached...), append([]string(nil), m.released...)
}

// fakeDisks maps a USB device name to its disks.
func fakeDisks(m map[string][]string) diskFinder {
	return func(p string) ([]string, error) { return m[filepath.Base(p)], nil }
}

// testGuard is a guard over a recorded tree, running until the test ends.
type testGuard struct {
	*Guard
	root  string
	src   *fakeSource
	log   *collector
	media *fakeMedia
	done  chan error
	stop  context.CancelFunc
}

func testConfig(t *testing.T, root string) Config {
	cfg := Defaults()
	cfg.SysfsRoot = root
	cfg.RunDir = filepath.Join(t.TempDir(), "run")
	cfg.MediaTimeout = Duration{Duration: time.Second}
	return cfg
}

func newTestGuard(t *testing.T, cfg Config, disks map[string][]string, media map[string]MediaResult) *testGuard {
	tg := &testGuard{root: cfg.SysfsRoot, src: newFakeSource(), log: newCollector(), media: &fakeMedia{results: media}}
	tg.Guard = newGuard(cfg, tg.src, tg.media, fakeDisks(disks), &reporter{log: slog.New(tg.log)}, "boot-1")
	return tg
}

// kernelEchoes makes the collector answer every write with the change
// event the kernel sends.
func (tg *testGuard) kernelEchoes(devs ...usbDev) {
	byName := map[string]usbDev{}
	for _, d := range devs {
		byName[d.name()] = d
	}
	tg.log.echo = func(device string) {
		if d, ok := byName[device]; ok {
			tg.src.ch <- usbEvent(uevent.ActionChange, d)
		}
	}
}

func (tg *testGuard) start(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	tg.stop, tg.done = cancel, make(chan error, 1)
	go func() { tg.done <- tg.Run(ctx) }()
	t.Cleanup(func() { tg.shutdownAndWait(t) })
	tg.log.waitFor(t, 0, msgIs("initial scan done"))
}

func (tg *testGuard) shutdownAndWait(t *testing.T) {
	if tg.stop == nil {
		return
	}
	tg.stop()
	tg.stop = nil
	if err := <-tg.done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

// sync waits until every event sent so far has been handled, and the
// kernel's echoes of the writes they caused: events are handled in order,
// so once a sentinel's record shows, the events before it are done; a
// second sentinel follows the echoes those queued behind the first.
func (tg *testGuard) sync(t *testing.T, from int) int {
	t.Helper()
	for range 2 {
		tg.src.ch <- usbEvent(uevent.ActionAdd, rootHub1)
		_, from = tg.log.waitFor(t, from, func(r rec) bool { return decisionFor("usb1", "")(r) && r.attrs["trigger"] == "add" })
	}
	return from
}

func (c *collector) dump() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dumpLocked()
}
