package device

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jochenvg/go-udev"
)

// Watcher reports drives as they come and go.
type Watcher struct {
	cfg    Config
	source string
}

// NewWatcher picks the event source: "udev" when cfg.PreferUdev is set and
// systemd-udevd runs, "kernel" otherwise.
func NewWatcher(cfg Config) (*Watcher, error) {
	cfg = cfg.withDefaults()
	src := "kernel"
	if cfg.PreferUdev {
		if udevAlive(cfg.UdevControl) {
			src = "udev"
		}
	}
	return &Watcher{cfg: cfg, source: src}, nil
}

// Source is the netlink source in use: "udev" or "kernel".
func (w *Watcher) Source() string { return w.source }

// Run sends an Inserted event for each drive already present, then live
// events, until ctx ends (then it returns nil) or the monitor fails.
func (w *Watcher) Run(ctx context.Context, out chan<- Event) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var u udev.Udev
	m := u.NewMonitorFromNetlink(w.source)
	if m == nil {
		return fmt.Errorf("watch devices: open %s netlink monitor failed", w.source)
	}
	if err := m.FilterAddMatchSubsystem("block"); err != nil {
		return fmt.Errorf("watch devices: %w", err)
	}
	// Listen before the initial scan, so nothing falls between the two.
	devs, errs, err := m.DeviceChan(ctx)
	if err != nil {
		return fmt.Errorf("watch devices: %w", err)
	}
	defer func() {
		// go-udev's reader blocks on send until it sees ctx end.
		go func() {
			for range devs {
			}
		}()
		go func() {
			for range errs {
			}
		}()
	}()

	t := newTracker(w.cfg)
	emit := func(evs []Event) error {
		for _, ev := range evs {
			select {
			case out <- ev:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	for _, name := range t.disks() {
		evs, _ := t.settle(name) // nothing announced yet: never again
		if err := emit(evs); err != nil {
			return nil
		}
	}

	fire := make(chan string)
	timers := map[string]*time.Timer{}
	// arm settles disk once it has been quiet for cfg.Settle.
	arm := func(disk string) {
		timers[disk] = time.AfterFunc(w.cfg.Settle, func() {
			select {
			case fire <- disk:
			case <-ctx.Done():
			}
		})
	}
	defer func() {
		for _, tm := range timers {
			tm.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err, ok := <-errs:
			if !ok {
				return nil
			}
			return fmt.Errorf("watch devices: %w", err)
		case name := <-fire:
			delete(timers, name)
			evs, again := t.settle(name)
			if err := emit(evs); err != nil {
				return nil
			}
			if again {
				arm(name)
			}
		case d, ok := <-devs:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return errors.New("watch devices: monitor closed")
			}
			disk, part := diskOf(d.Devpath(), d.Devtype())
			w.cfg.Log.Debug("uevent", "action", d.Action(), "disk", disk, "partition", part, "diskseq", d.PropertyValue("DISKSEQ"))
			t.announce(disk, d.PropertyValue("DISKSEQ"))
			if tm := timers[disk]; tm != nil {
				tm.Stop()
				delete(timers, disk)
			}
			if d.Action() == "remove" && !part {
				if err := emit(t.gone(disk)); err != nil {
					return nil
				}
				continue
			}
			// Wait until the disk is quiet: its partitions and udev
			// properties arrive in the events that follow.
			arm(disk)
		}
	}
}
