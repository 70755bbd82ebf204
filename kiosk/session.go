package kiosk

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/kiosk/device"
	"github.com/sluice-ot/sluice/kiosk/mount"
	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/transfer"
)

// session is one drive's visit. Its state is read by the API while it
// runs, under mu.
type session struct {
	st     *Station
	id     string
	drive  device.Drive
	ctx    context.Context
	cancel context.CancelCauseFunc
	prog   *scanner.Progress
	eng    *engineSet // held from start to end
	// fatLabels maps the roots mounted by fusefat to the name under which
	// it shows the volume label as a file (see skipFATLabel).
	fatLabels map[string]string
	// roots maps each mounted directory to its partition's name, set
	// before the scan starts; read under mu.
	roots map[string]string

	mu   sync.Mutex
	info api.Session
}

// fileBatch is how many verdicts are recorded per write.
const fileBatch = 500

func (st *Station) newSession(ctx context.Context, d device.Drive) *session {
	st.mu.Lock()
	op := st.operator
	// An operator name belongs to one session: the next drive starts anew.
	st.operator = ""
	eng := st.acquireEngines()
	st.mu.Unlock()
	s := &session{st: st, id: st.newSessionID(), drive: d, prog: scanner.NewProgress(st.d.Now), eng: eng, fatLabels: map[string]string{}}
	// Only stop cancels a session, so that its cause (removed, cancelled,
	// stopping) is always known; Run stops it when its own ctx ends.
	s.ctx, s.cancel = context.WithCancelCause(context.WithoutCancel(ctx))
	s.info = api.Session{ID: s.id, State: api.Detected, Operator: op, Device: apiDevice(d), Started: st.d.Now().UTC(), RulesVersion: eng.rules.Version}
	return s
}

func (s *session) stop(cause error) { s.cancel(cause) }

// snapshot returns the session's state now, with live progress.
func (s *session) snapshot() api.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.info
	out.Device.Partitions = append([]api.Partition(nil), s.info.Device.Partitions...)
	if out.State == api.Scanning {
		p := s.prog.Snapshot()
		out.Progress = api.Progress{
			FilesDone: p.FilesDone, FilesTotal: p.FilesTotal, BytesDone: p.BytesDone, BytesTotal: p.BytesTotal,
			Current: s.driveRel(p.Current), ETASeconds: p.ETA.Seconds(),
		}
		out.Counts = api.Counts(p.Counts)
	}
	return out
}

func (s *session) setState(state api.State) {
	s.mu.Lock()
	s.info.State = state
	s.mu.Unlock()
	snap := s.snapshot()
	s.st.events.publish(api.Event{Type: "state", Session: &snap})
	s.st.d.Log.Info("session state", "session", s.id, "state", state)
}

// outcome is how a session ended.
type outcome struct {
	state          api.State
	reason, detail string
}

// run takes the session from detection to its end. The mounts are
// released and an unpublished staging area removed before the end is
// recorded, so that a session on record as ended left nothing behind.
func (s *session) run() {
	defer s.cancel(nil)
	st := s.st
	if err := st.d.Recorder.SessionStarted(s.recordCtx(), s.snapshot()); err != nil {
		st.d.Log.Error("record session start", "session", s.id, "err", err)
	}
	var stage *transfer.Staging
	mounted := false
	out := s.work(&stage, &mounted)
	if stage != nil {
		stage.Abort() // a no-op once published
	}
	if mounted {
		if err := st.d.Mounter.Release(s.id); err != nil {
			st.d.Log.Error("release mounts", "session", s.id, "err", err)
		}
	}
	// The watcher set the drive read-only when it identified it, so even a
	// session that mounted nothing (refused, unreadable) clears it.
	if err := clearLoopReadOnly(s.drive); err != nil {
		st.d.Log.Warn("clear read-only flag of loop device", "session", s.id, "err", err)
	}
	st.releaseEngines(s.eng)
	s.end(out)
}

// work runs the steps, leaving cleanup to run: *stage and *mounted say
// what there is to clean.
func (s *session) work(stage **transfer.Staging, mounted *bool) outcome {
	st := s.st
	s.setState(api.Detected)
	if refused, why := s.drive.Refusal(); refused {
		return outcome{api.Failed, api.ReasonRefused, why}
	}

	s.setState(api.Mounting)
	*mounted = true
	roots, err := s.mount()
	if err != nil {
		return s.failure(err)
	}
	if len(roots) == 0 {
		return outcome{api.Failed, api.ReasonUnreadable, "no partition of the drive could be mounted"}
	}
	if cause := context.Cause(s.ctx); cause != nil {
		return s.failure(cause)
	}
	if u := st.d.Updates; u != nil && u.AdminPresent() {
		if bundles := findUpdates(roots); len(bundles) > 0 {
			return s.update(bundles)
		}
	}

	s.setState(api.Scanning)
	*stage, err = transfer.Begin(st.cfg.Destination, transfer.Options{StationID: st.cfg.StationID, Expires: st.cfg.TransferExpiry.Duration, Now: st.d.Now})
	if err != nil {
		// Begin only checks and writes the share: a share that is gone
		// (unmounted, deleted) is the destination's fault too, not the
		// station's.
		o := s.failure(err)
		if o.reason == api.ReasonInternal {
			o.reason = api.ReasonDestination
		}
		return o
	}
	sum, blocked, err := s.scan(*stage, roots)
	if err != nil {
		return s.failure(err)
	}
	// A drive pulled out once every file was read and judged does not
	// spoil the transfer; one pulled out before does.
	if cause := context.Cause(s.ctx); cause != nil {
		return s.failure(cause)
	}
	if sum.Counts.Clean == 0 {
		return outcome{api.Done, "", "nothing clean to transfer"}
	}

	s.setState(api.Publishing)
	p, err := (*stage).Publish(st.d.Key, transfer.Info{
		Source:   media(s.drive),
		Operator: s.info.Operator,
		Engines:  st.d.Engines,
		Rules:    []transfer.Component{{Name: s.eng.rules.Name, Version: s.eng.rules.Version}},
		Blocked:  blocked,
	})
	if err != nil {
		return s.failure(err)
	}
	s.mu.Lock()
	s.info.TransferID, s.info.TransferPath = (*stage).ID(), p
	s.mu.Unlock()
	return outcome{state: api.Done}
}

// mount makes the drive's partitions read-only and mounts them. It returns
// the mounted directories by partition name, recording every failure.
func (s *session) mount() (map[string]string, error) {
	var targets []mount.Target
	for _, p := range s.info.Device.Partitions {
		targets = append(targets, mount.Target{Device: partitionDevice(s.drive, p.Name), Name: p.Name, FSType: p.FSType})
	}
	mounted, err := s.st.d.Mounter.Mount(s.ctx, s.id, s.drive.Device, targets)
	if err != nil {
		return nil, err
	}
	roots := map[string]string{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range mounted {
		for i := range s.info.Device.Partitions {
			if s.info.Device.Partitions[i].Name != m.Target.Name {
				continue
			}
			if m.Err != nil {
				s.info.Device.Partitions[i].Error = m.Err.Error()
				continue
			}
			roots[m.Target.Name] = m.Dir
			if m.Driver == mount.DriverFusefat && s.info.Device.Partitions[i].Label != "" {
				s.fatLabels[m.Dir] = fatLabelName(s.info.Device.Partitions[i].Label)
			}
		}
	}
	return roots, nil
}

// scan reads and inspects every file of the mounted partitions, copying
// each clean one into the staging area from its spool copy.
func (s *session) scan(stage *transfer.Staging, roots map[string]string) (scanner.Summary, map[string]int, error) {
	st := s.st
	byDir := map[string]string{}
	var dirs []string
	for name, dir := range roots {
		byDir[dir] = name
		dirs = append(dirs, dir)
	}
	// With several partitions, each keeps its own folder in the transfer.
	prefix := len(s.info.Device.Partitions) > 1
	s.mu.Lock()
	s.roots = byDir
	s.mu.Unlock()
	blocked := map[string]int{}
	var batch []api.File
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := st.d.Recorder.SessionFiles(s.recordCtx(), s.id, batch); err != nil {
			st.d.Log.Error("record files", "session", s.id, "err", err)
		}
		batch = nil
	}
	stopTicker := s.tickProgress()
	sum, err := s.eng.scanner.Skipping(s.skipFATLabel).Scan(s.ctx, dirs, func(r *scanner.Result, spool *os.File) error {
		rel := r.Rel
		if prefix {
			rel = path.Join(byDir[r.Root], rel)
		}
		f := api.File{Path: rel, Size: r.Size, SHA256: r.SHA256, Type: r.Type, Verdict: string(r.Verdict), Reasons: r.Reasons}
		if r.Verdict != scanner.Clean {
			f.Cause = r.Cause()
		}
		batch = append(batch, f)
		if len(batch) >= fileBatch {
			flush()
		}
		if r.Verdict != scanner.Clean || spool == nil {
			blocked[r.Cause()]++
			return nil
		}
		_, err := stage.Add(rel, spool, r.Size, r.SHA256)
		return err
	}, s.prog)
	stopTicker()
	flush()
	s.mu.Lock()
	p := s.prog.Snapshot()
	s.info.Counts = api.Counts(sum.Counts)
	s.info.Progress = api.Progress{FilesDone: p.FilesDone, FilesTotal: p.FilesTotal, BytesDone: p.BytesDone, BytesTotal: p.BytesTotal}
	s.mu.Unlock()
	return sum, blocked, err
}

// tickProgress publishes progress events while the scan runs.
func (s *session) tickProgress() func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				snap := s.snapshot()
				s.st.events.publish(api.Event{Type: "progress", Session: &snap})
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// failure sorts out why the session failed: the drive pulled out, a
// cancel, the station stopping, a full or unusable destination, or the
// station's own failure. A cancelled session's cause wins over the error
// the cancel provoked.
func (s *session) failure(err error) outcome {
	if cause := context.Cause(s.ctx); cause != nil {
		err = cause
	}
	switch {
	case errors.Is(err, errRemoved):
		return outcome{api.Aborted, api.ReasonRemoved, "the drive was removed before the session ended"}
	case errors.Is(err, errCancelled):
		return outcome{api.Aborted, api.ReasonCancelled, "cancelled"}
	case errors.Is(err, errStopped):
		return outcome{api.Aborted, api.ReasonStopped, "the station stopped"}
	case errors.Is(err, transfer.ErrNoSpace):
		return outcome{api.Failed, api.ReasonDestinationFull, err.Error()}
	case errors.Is(err, transfer.ErrReadOnly), errors.Is(err, transfer.ErrNotWritable):
		return outcome{api.Failed, api.ReasonDestination, err.Error()}
	}
	return outcome{api.Failed, api.ReasonInternal, err.Error()}
}

func (s *session) end(o outcome) {
	s.mu.Lock()
	s.info.State, s.info.Reason, s.info.Detail = o.state, o.reason, o.detail
	s.info.Ended = s.st.d.Now().UTC()
	s.mu.Unlock()
	snap := s.snapshot()
	if err := s.st.d.Recorder.SessionEnded(s.recordCtx(), snap); err != nil {
		s.st.d.Log.Error("record session end", "session", s.id, "err", err)
	}
	s.st.events.publish(api.Event{Type: "state", Session: &snap})
	s.st.d.Log.Info("session ended", "session", s.id, "state", o.state, "reason", o.reason, "detail", o.detail,
		"clean", snap.Counts.Clean, "infected", snap.Counts.Infected, "blocked", snap.Counts.Blocked, "transfer", snap.TransferPath)
}

// apiDevice describes a drive for the API, naming its partitions "p1",
// "p2", … or "disk" for a filesystem on the whole disk.
func apiDevice(d device.Drive) api.Device {
	out := api.Device{Device: d.Device, Bus: d.Bus, Vendor: d.Vendor, Model: d.Model, Serial: d.Serial, Size: d.Size, Partitions: []api.Partition{}}
	for _, p := range d.Partitions {
		out.Partitions = append(out.Partitions, api.Partition{Name: partitionName(d, p), FSType: p.FSType, Label: p.FSLabel, UUID: p.FSUUID})
	}
	return out
}

func partitionName(d device.Drive, p device.Partition) string {
	if p.Device == d.Device {
		return "disk"
	}
	return fmt.Sprintf("p%d", p.Number)
}

func partitionDevice(d device.Drive, name string) string {
	for _, p := range d.Partitions {
		if partitionName(d, p) == name {
			return p.Device
		}
	}
	return ""
}

// media is the source identity written into the manifest. A manifest
// names one filesystem; with several, the first one's UUID and label.
func media(d device.Drive) transfer.Media {
	m := transfer.Media{Vendor: d.Vendor, Model: d.Model, Serial: d.Serial}
	if len(d.Partitions) > 0 {
		m.FSUUID, m.FSLabel = d.Partitions[0].FSUUID, d.Partitions[0].FSLabel
	}
	return m
}

// clearLoopReadOnly resets the read-only flag the station set on a loop
// drive's block devices, which would otherwise outlive the loop device's
// detach (see mount.ClearLoopReadOnly). A real stick's devices go away.
func clearLoopReadOnly(d device.Drive) error {
	if d.Bus != "loop" {
		return nil
	}
	errs := []error{mount.ClearLoopReadOnly(d.Device)}
	for _, p := range d.Partitions {
		if p.Device == d.Device {
			continue
		}
		// A detached loop device's partitions are gone already.
		if _, err := os.Stat(p.Device); err == nil {
			errs = append(errs, mount.ClearLoopReadOnly(p.Device))
		}
	}
	return errors.Join(errs...)
}

// skipFATLabel leaves out what fusefat shows of a FAT volume label: an
// empty regular file at the root named after the label. It is not a file
// of the drive, and it would otherwise be published as one. A real empty
// file by that name at the root is left out with it, which costs nothing.
func (s *session) skipFATLabel(root, rel string, size int64) bool {
	name, ok := s.fatLabels[root]
	return ok && size == 0 && strings.EqualFold(rel, name)
}

// fatLabelName is the name fusefat gives a volume label: the 11 bytes of
// the label field read as an 8.3 name, "DEMO-STICK" as "DEMO-STI.CK".
func fatLabelName(label string) string {
	raw := []byte(strings.ToUpper(label) + strings.Repeat(" ", 11))[:11]
	name := strings.TrimRight(string(raw[:8]), " ")
	if ext := strings.TrimRight(string(raw[8:]), " "); ext != "" {
		return name + "." + ext
	}
	return name
}

// driveRel turns the scanner's current file, a path under a mount point,
// into its path on the drive, as the transfer names it ("docs/a.txt", or
// "p2/docs/a.txt" with several partitions): the mount points are the
// station's business, not the operator's. Called under s.mu.
func (s *session) driveRel(current string) string {
	if current == "" {
		return ""
	}
	for dir, name := range s.roots {
		rel, ok := strings.CutPrefix(current, dir+"/")
		if !ok {
			continue
		}
		if len(s.info.Device.Partitions) > 1 {
			return path.Join(name, rel)
		}
		return rel
	}
	return path.Base(current)
}

// recordCtx is the context the record is written under: not cancelled
// with the session, so that an aborted session is still recorded.
func (s *session) recordCtx() context.Context { return context.WithoutCancel(s.ctx) }
