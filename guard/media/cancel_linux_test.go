//go:build linux

package media

import (
	"bufio"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/kiosk/mount"
)

// bigMiB is the size of the big transfer's one file: fusefat reads about
// 45 MB/s here, so verifying it takes seconds, and a cancellation sent
// once the volume is mounted lands while transfer.Verify is hashing.
const bigMiB = 96

// hangGuard bounds a call that must return: it only catches a hang, and
// says nothing about how fast the call was.
const hangGuard = 2 * time.Minute

// bigFATImage is a FAT32 image holding a valid transfer of one big CSV
// file, published by the real `sluice scan`.
func bigFATImage(t *testing.T, st station) string {
	t.Helper()
	line := "PT-101,4.2,2024-01-01T00:00:00Z\n"
	tr := scanTo(t, st, map[string]string{"Historian Export.csv": strings.Repeat(line, bigMiB<<20/len(line))})
	return fatImageSized(t, tr, "", bigMiB+fatMiB)
}

// mountedBelow reports whether anything is mounted strictly below dir.
// Safe to call from any goroutine.
func mountedBelow(dir string) bool {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 4 && strings.HasPrefix(unescapeMountinfo(fields[4]), dir+"/") {
			return true
		}
	}
	return false
}

// cancelWhen cancels ctx once ready reports true, polling it; the
// returned channel is closed once it did.
func cancelWhen(ctx context.Context, cancel context.CancelFunc, ready func() bool) <-chan struct{} {
	fired := make(chan struct{})
	go func() {
		for !ready() {
			if ctx.Err() != nil {
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		cancel()
		close(fired)
	}()
	return fired
}

// hashing reports whether this process holds a file below dir open:
// transfer.Verify reading the drive.
func hashing(dir string) bool {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return false
	}
	for _, e := range ents {
		if p, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(p, dir+"/") && strings.HasSuffix(p, ".csv") {
			return true
		}
	}
	return false
}

// within runs f and fails t if it does not return within hangGuard.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(hangGuard):
		t.Fatalf("%s did not return within %v", what, hangGuard)
	}
}

// TestCancelMidVerification: a context cancelled while the drive is
// being mounted, or while its big file is being hashed, ends Check and
// Attach with the cancellation: nothing allowed, nothing exposed, nothing
// left mounted, the image detached.
func TestCancelMidVerification(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	img := bigFATImage(t, st)
	moments := []struct {
		name string
		when func(workDir string) func() bool
	}{
		{"mounted", func(w string) func() bool { return func() bool { return mountedBelow(w) } }},
		{"hashing", func(w string) func() bool { return func() bool { return hashing(w) } }},
	}
	for _, m := range moments {
		t.Run("check_"+m.name, func(t *testing.T) {
			opts := testOptions(t, st.pub)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			fired := cancelWhen(ctx, cancel, m.when(opts.WorkDir))
			var res Result
			var err error
			within(t, "Check", func() { res, err = Check(ctx, img, opts) })
			select {
			case <-fired:
			default:
				t.Fatalf("Check returned (%v %q %v) before the moment to cancel", res.Allowed, res.Reason, err)
			}
			if !errors.Is(err, context.Canceled) || res.Allowed {
				t.Errorf("Check = %v %q %v, want blocked with context.Canceled (if allowed, verification ended before the cancel: grow bigMiB)", res.Allowed, res.Reason, err)
			}
			if left := mountsBelow(t, opts.WorkDir, opts.ExposeDir); len(left) > 0 {
				t.Errorf("left mounted: %v", left)
			}
			if l := loopsOf(t, img); l != "" {
				t.Errorf("image still attached: %s", l)
			}
		})

		t.Run("attach_"+m.name, func(t *testing.T) {
			dev := attachLoop(t, img)
			opts := testOptions(t, st.pub)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			fired := cancelWhen(ctx, cancel, m.when(opts.WorkDir))
			var e *Exposure
			var res Result
			var err error
			within(t, "Attach", func() { e, res, err = Attach(ctx, dev, opts) })
			if e != nil {
				e.Release()
			}
			select {
			case <-fired:
			default:
				t.Fatalf("Attach returned (%v %q %v) before the moment to cancel", res.Allowed, res.Reason, err)
			}
			if !errors.Is(err, context.Canceled) || res.Allowed || e != nil {
				t.Errorf("Attach = %v %v %q %v, want nothing exposed, blocked, context.Canceled", e, res.Allowed, res.Reason, err)
			}
			if left := mountsBelow(t, opts.WorkDir, opts.ExposeDir); len(left) > 0 {
				t.Errorf("left mounted: %v", left)
			}
			if ents, _ := os.ReadDir(opts.ExposeDir); len(ents) > 0 {
				t.Errorf("expose dir holds %v", ents)
			}
			// Nothing holds the device any more: with its read-only flag
			// cleared it opens exclusively, for writing.
			if err := setBlockReadOnly(dev, false); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(dev, os.O_RDWR|os.O_EXCL, 0)
			if err != nil {
				t.Errorf("open %s exclusively after Attach: %v", dev, err)
			} else {
				f.Close()
			}
		})
	}
}

// TestVerifyTimeout: Options.Timeout turns a verification that takes too
// long into the verdict "timeout": blocked, never exposed, nothing left
// mounted. 1ns has passed before any file is read; 200ms passes while the
// big file is being hashed (which takes seconds).
func TestVerifyTimeout(t *testing.T) {
	requireDrives(t)
	st := newStation(t)
	img := bigFATImage(t, st)
	for _, timeout := range []time.Duration{time.Nanosecond, 200 * time.Millisecond} {
		t.Run("check_"+timeout.String(), func(t *testing.T) {
			opts := testOptions(t, st.pub)
			opts.Timeout = timeout
			var res Result
			var err error
			within(t, "Check", func() { res, err = Check(t.Context(), img, opts) })
			// The abandoned walk may still hold a file open: then the
			// mount is detached lazily, and Check says so beside the
			// verdict.
			if err != nil && !errors.Is(err, mount.ErrLazyUnmount) {
				t.Errorf("Check = %v", err)
			}
			if res.Allowed || res.Reason != ReasonTimeout || len(res.Partitions) != 1 || res.Partitions[0].Reason != ReasonTimeout {
				t.Errorf("Check = %v %q %+v, want blocked %q", res.Allowed, res.Reason, res.Partitions, ReasonTimeout)
			}
			if left := mountsBelow(t, opts.WorkDir, opts.ExposeDir); len(left) > 0 {
				t.Errorf("left mounted: %v", left)
			}
			if l := loopsOf(t, img); l != "" {
				t.Errorf("image still attached: %s", l)
			}
		})
		t.Run("attach_"+timeout.String(), func(t *testing.T) {
			dev := attachLoop(t, img)
			opts := testOptions(t, st.pub)
			opts.Timeout = timeout
			var e *Exposure
			var res Result
			var err error
			within(t, "Attach", func() { e, res, err = Attach(t.Context(), dev, opts) })
			if e != nil {
				e.Release()
				t.Errorf("Attach exposed %v", e.Points())
			}
			if err != nil && !errors.Is(err, mount.ErrLazyUnmount) {
				t.Errorf("Attach = %v", err)
			}
			if res.Allowed || res.Reason != ReasonTimeout {
				t.Errorf("Attach = %v %q, want blocked %q", res.Allowed, res.Reason, ReasonTimeout)
			}
			if left := mountsBelow(t, opts.WorkDir, opts.ExposeDir); len(left) > 0 {
				t.Errorf("left mounted: %v", left)
			}
		})
	}
}
