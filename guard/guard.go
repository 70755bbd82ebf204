package guard

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"

	"github.com/sluice-ot/sluice/guard/uevent"
	"github.com/sluice-ot/sluice/guard/usbpolicy"
)

// eventSource delivers uevents in order until ctx is done, and calls lost
// when some were dropped. *uevent.Conn is the real one; tests feed
// synthetic events through the same seam.
type eventSource interface {
	Run(ctx context.Context, handle func(uevent.Event), lost func()) error
}

// Guard is the endpoint guard's event loop. Build it with newGuard (the
// daemon: RunDaemon).
type Guard struct {
	cfg    Config
	policy usbpolicy.Policy
	enf    *usbpolicy.Enforcer
	src    eventSource
	media  mediaVerifier
	disks  diskFinder
	rep    *reporter
	log    *slog.Logger
	bootID string

	present  *presentFile
	devs     map[string]*devState // by kernel name; touched by the loop only
	verdicts chan verdict
	wg       sync.WaitGroup

	// afterList, in tests, runs between the initial listing of devices
	// and their judgement.
	afterList func()
}

type phase int

const (
	phaseNone      phase = iota
	phaseVerifying       // authorized so its block device appears; media under check
	phaseAllowed         // media valid, exposed
	phaseBlocked         // media not valid
)

// devState is what the loop knows of one plug-in of one device.
type devState struct {
	plug     plugIn
	boot     bool // attached when the guard first started in this boot
	dev      usbpolicy.Device
	phase    phase
	reason   string // the media verdict's reason
	cancel   context.CancelFunc
	releases []func() error
}

// verdict is a finished media verification, handed back to the loop.
type verdict struct {
	st       *devState
	releases []func() error
	res      MediaResult
}

var (
	authorizeDec = usbpolicy.Decision{Allow: true, Action: usbpolicy.ActionAuthorize}
	denyDec      = usbpolicy.Decision{Action: usbpolicy.ActionDeny}
)

func newGuard(cfg Config, src eventSource, m mediaVerifier, disks diskFinder, rep *reporter, bootID string) *Guard {
	return &Guard{
		cfg: cfg, policy: cfg.Policy(), enf: &usbpolicy.Enforcer{SysfsRoot: cfg.SysfsRoot},
		src: src, media: m, disks: disks, rep: rep, log: rep.log, bootID: bootID,
		devs: map[string]*devState{}, verdicts: make(chan verdict),
	}
}

// Run enforces the policy until ctx is done. The event source runs first,
// so that events arriving while present devices are judged are queued;
// then every controller is set to authorize nothing by default; then
// every present device is judged; then queued and new events are
// handled in order. On the way out, exposed media are released and the
// storage devices the guard had authorized are deauthorized.
func (g *Guard) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	q := newQueue()
	srcErr := make(chan error, 1)
	go func() { srcErr <- g.src.Run(ctx, q.push, q.markLost) }()
	defer func() {
		g.shutdown()
		cancel()
	}()

	if err := g.enf.SetDefault(0); err != nil {
		if !errors.Is(err, usbpolicy.ErrNoControllers) {
			return fmt.Errorf("start: %w", err)
		}
		g.log.Warn("no usb controller yet; each one is set to authorize nothing when it appears", "sysfs_root", g.cfg.SysfsRoot)
	}
	if err := g.start(ctx); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-srcErr:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("uevents: %w", err)
		case <-q.notify:
			evs, lost := q.take()
			if lost {
				g.log.Warn("uevents were lost; judging every device again")
				g.rescan(ctx, "rescan")
			}
			for _, ev := range evs {
				g.handle(ctx, ev)
			}
		case v := <-g.verdicts:
			g.settle(ctx, v)
		}
	}
}

// start judges every device present.
func (g *Guard) start(ctx context.Context) error {
	devs, err := usbpolicy.ReadDevices(g.cfg.SysfsRoot)
	if err != nil {
		if devs == nil {
			return fmt.Errorf("start: %w", err)
		}
		g.log.Warn("some usb devices could not be read", "err", err)
	}
	if g.afterList != nil {
		g.afterList()
	}
	g.present, err = loadPresent(g.cfg.RunDir, g.bootID, devs)
	if err != nil {
		// Fail closed: without the record no device counts as present at boot.
		g.log.Error("present devices unknown: keep_present_input keeps nothing", "err", err)
		g.present = &presentFile{}
		g.present.index()
	}
	for _, d := range devs {
		g.judge(ctx, d, "start")
	}
	g.log.Info("initial scan done", "devices", len(devs))
	return nil
}

// rescan judges every present device again and forgets the ones gone.
func (g *Guard) rescan(ctx context.Context, trigger string) {
	devs, err := usbpolicy.ReadDevices(g.cfg.SysfsRoot)
	if err != nil {
		g.log.Warn("some usb devices could not be read", "err", err)
	}
	seen := map[string]bool{}
	for _, d := range devs {
		seen[d.Name] = true
	}
	for name := range g.devs {
		if !seen[name] {
			g.removed(name)
		}
	}
	for _, d := range devs {
		g.judge(ctx, d, trigger)
	}
}

// handle acts on one uevent: USB devices (not interfaces) only.
func (g *Guard) handle(ctx context.Context, ev uevent.Event) {
	if ev.Subsystem != "usb" || ev.DevType != "usb_device" {
		return
	}
	name := ev.Name()
	switch ev.Action {
	case uevent.ActionRemove:
		g.removed(name)
		return
	case uevent.ActionAdd, uevent.ActionChange:
	default:
		return // bind, unbind, move: no change of authorization
	}
	if ev.Action == uevent.ActionAdd && strings.HasPrefix(name, "usb") {
		// A controller that just appeared (a dock) must not authorize
		// what is plugged into it.
		if err := g.enf.SetDefault(0); err != nil {
			g.log.Error("set authorized_default", "err", err)
		}
	}
	d, err := usbpolicy.ReadDevice(g.cfg.SysfsRoot, name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		g.removed(name) // gone already; its remove event follows
		return
	case err != nil:
		g.log.Warn("usb event for something that is not a device", "device", name, "err", err)
		return
	}
	if ev.Action == uevent.ActionChange {
		v := 0
		if d.Authorized {
			v = 1
		}
		if g.enf.OwnWrite(name, v) {
			g.log.Debug("change event is the echo of the guard's own write", "device", name, "authorized", v)
			return
		}
	}
	g.judge(ctx, d, ev.Action)
}

// judge decides on d and enforces the decision.
func (g *Guard) judge(ctx context.Context, d usbpolicy.Device, trigger string) {
	plug := plugInOf(d)
	st := g.devs[d.Name]
	if st != nil && st.plug != plug {
		g.removed(d.Name) // unplugged and replugged while its remove went missing
		st = nil
	}
	if st == nil {
		st = &devState{plug: plug, boot: g.present.has(plug)}
		g.devs[d.Name] = st
	}
	st.dev = d
	dec := g.policy.Decide(d, st.boot)
	rec := recordFor(d, trigger)
	rec.Decision, rec.Reason = dec.Action, dec.Reason
	if dec.Action == usbpolicy.ActionVerifyMedia {
		g.verifyMedia(ctx, st, rec)
		return
	}
	g.stopMedia(st)
	g.apply(d, dec, rec)
}

// verifyMedia authorizes a storage device so that its block device
// appears, and starts checking its media; a device already judged keeps
// its media verdict.
func (g *Guard) verifyMedia(ctx context.Context, st *devState, rec Record) {
	switch st.phase {
	case phaseAllowed:
		rec.Decision, rec.Reason = DecisionMediaAllowed, "media verified: "+st.reason
		g.apply(st.dev, authorizeDec, rec)
		return
	case phaseBlocked:
		rec.Decision, rec.Reason = DecisionMediaBlocked, "media refused: "+st.reason
		g.apply(st.dev, g.invalidDec(), rec)
		return
	case phaseVerifying:
		rec.Reason = "usb storage: media check in progress"
		g.apply(st.dev, authorizeDec, rec)
		return
	}
	rec.Reason = "usb storage: authorized so its block device appears; exposed only if its media verifies"
	if !g.apply(st.dev, authorizeDec, rec) {
		return
	}
	st.phase = phaseVerifying
	vctx, cancel := context.WithCancel(ctx)
	st.cancel = cancel
	g.wg.Add(1)
	go g.verify(vctx, st, st.dev)
}

func (g *Guard) invalidDec() usbpolicy.Decision {
	if g.cfg.DeauthorizeInvalid {
		return denyDec
	}
	return authorizeDec
}

// verify runs outside the loop: waiting for the block device and
// checking media take seconds, and other devices must not wait.
func (g *Guard) verify(ctx context.Context, st *devState, d usbpolicy.Device) {
	defer g.wg.Done()
	v := verdict{st: st}
	disks, err := waitDisks(ctx, g.disks, d.SysPath, g.cfg.MediaTimeout.Duration)
	if err != nil {
		v.res = MediaResult{Reason: err.Error()}
	} else {
		v.releases, v.res = verifyDisks(ctx, g.media, disks)
	}
	select {
	case g.verdicts <- v:
	case <-ctx.Done():
		g.release(d.Name, v.releases)
	}
}

// settle enforces a media verdict.
func (g *Guard) settle(_ context.Context, v verdict) {
	st := v.st
	if g.devs[st.plug.Name] != st || st.phase != phaseVerifying {
		g.release(st.plug.Name, v.releases) // removed or replaced meanwhile
		return
	}
	st.cancel()
	st.cancel = nil
	st.reason = v.res.Reason
	rec := recordFor(st.dev, "media")
	rec.Reason, rec.Partitions = v.res.Reason, v.res.Partitions
	if v.res.Allowed {
		st.phase, st.releases = phaseAllowed, v.releases
		rec.Decision = DecisionMediaAllowed
		g.apply(st.dev, authorizeDec, rec)
		return
	}
	g.release(st.plug.Name, v.releases)
	st.phase = phaseBlocked
	rec.Decision = DecisionMediaBlocked
	if !g.cfg.DeauthorizeInvalid {
		rec.Reason += " (left authorized but not exposed: deauthorize_invalid is off)"
	}
	g.apply(st.dev, g.invalidDec(), rec)
}

// apply writes dec to the device and reports rec; it returns whether the
// device now holds the value wanted.
func (g *Guard) apply(d usbpolicy.Device, dec usbpolicy.Decision, rec Record) bool {
	wrote, err := g.enf.Apply(d, dec)
	rec.Wrote = wrote
	rec.Authorized = "0"
	if dec.Action == usbpolicy.ActionAuthorize {
		rec.Authorized = "1"
	}
	if err != nil {
		rec.Authorized = "unknown"
		rec.Reason += "; enforcing failed: " + err.Error()
	}
	g.rep.report(context.Background(), rec)
	return err == nil
}

// stopMedia cancels a media check and releases an exposure.
func (g *Guard) stopMedia(st *devState) {
	if st.cancel != nil {
		st.cancel()
		st.cancel = nil
	}
	g.release(st.plug.Name, st.releases)
	st.releases = nil
	st.phase = phaseNone
}

// removed forgets a device that left.
func (g *Guard) removed(name string) {
	g.enf.Forget(name)
	st := g.devs[name]
	if st == nil {
		return
	}
	g.stopMedia(st)
	delete(g.devs, name)
	g.log.Info("usb device removed", "device", name, "vid_pid", st.dev.VendorID+":"+st.dev.ProductID, "serial", st.dev.Serial)
}

func (g *Guard) release(name string, releases []func() error) {
	for _, r := range releases {
		if err := r(); err != nil {
			g.log.Error("release media", "device", name, "err", err)
		}
	}
}

// shutdown stops media checks, releases every exposure and deauthorizes
// the storage the guard authorized: what it no longer watches must not
// stay reachable. A restart verifies such devices again.
func (g *Guard) shutdown() {
	for _, st := range g.devs {
		if st.cancel != nil {
			st.cancel()
		}
	}
	g.wg.Wait()
	for name, st := range g.devs {
		g.release(name, st.releases)
		st.releases = nil
		if st.phase == phaseNone || (st.phase == phaseBlocked && g.cfg.DeauthorizeInvalid) {
			continue
		}
		rec := recordFor(st.dev, "stop")
		rec.Decision, rec.Reason = usbpolicy.ActionDeny, "guard stopping: storage stays deauthorized until it is verified again"
		g.apply(st.dev, denyDec, rec)
	}
}
