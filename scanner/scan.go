package scanner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/sluice-ot/sluice/scanner/filetype"
)

// Scanner runs scans with one configuration. It is safe to run several
// scans at once; each gets its own spool directory.
type Scanner struct {
	cfg      Config
	progress *Progress
	skip     SkipFunc
}

// Skipping returns a Scanner like sc whose scans leave out the regular
// files skip names. It is for what a filesystem driver shows that is not
// a file (see kiosk: fusefat's volume label); everything else is scanned.
func (sc *Scanner) Skipping(skip SkipFunc) *Scanner {
	c := *sc
	c.skip = skip
	return &c
}

// New checks the configuration and returns a Scanner.
func New(cfg Config) (*Scanner, error) {
	cfg = cfg.withDefaults()
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = os.TempDir()
	}
	fi, err := os.Stat(cfg.SpoolDir)
	if err != nil {
		return nil, fmt.Errorf("spool directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("spool directory %s: not a directory", cfg.SpoolDir)
	}
	return &Scanner{cfg: cfg}, nil
}

// Handler receives every result, one at a time, in the order they finish.
// For a regular file, spool is its spool copy, open and at offset 0: the
// exact bytes that were inspected, which a transfer copies from. The spool
// copy is removed when Handler returns. An error from Handler stops the
// scan, and Scan returns it.
type Handler func(r *Result, spool *os.File) error

// Scan walks the roots and inspects every file. Progress, when not nil, is
// kept up to date for renderers. Scan returns an error only when the scan
// could not run (a root is missing, the spool is unusable), was cancelled,
// or Handler failed; everything else is a result.
func (sc *Scanner) Scan(ctx context.Context, roots []string, h Handler, p *Progress) (Summary, error) {
	if p == nil {
		p = NewProgress(nil)
	}
	run := &Scanner{cfg: sc.cfg, progress: p, skip: sc.skip}
	return run.scan(ctx, roots, h)
}

func (sc *Scanner) scan(ctx context.Context, roots []string, h Handler) (Summary, error) {
	start := time.Now()
	w, err := walk(ctx, roots, sc.cfg.Limits, sc.skip)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			return Summary{}, cause
		}
		return Summary{}, err
	}
	dir, release, err := openSpoolDir(sc.cfg.SpoolDir)
	if err != nil {
		return Summary{}, err
	}
	defer release()

	var total int64
	for _, e := range w.files {
		total += e.size
	}
	sc.progress.start(len(w.files)+len(w.refused), total)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	budget := newBudget(sc.cfg.SpoolBudget)
	jobs := make(chan entry)
	spooledQ := make(chan *spooled, sc.cfg.Workers)
	done := make(chan outcome, sc.cfg.Workers)

	var wg sync.WaitGroup
	go func() { // feed the readers
		defer close(jobs)
		for _, e := range readOrder(w.files) {
			select {
			case jobs <- e:
			case <-ctx.Done():
				return
			}
		}
	}()
	var readers sync.WaitGroup
	for range sc.cfg.Readers {
		readers.Add(1)
		go func() {
			defer readers.Done()
			sc.reader(ctx, dir, budget, jobs, spooledQ, done)
		}()
	}
	go func() { readers.Wait(); close(spooledQ) }()
	for range sc.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One OS thread per worker: the engines' C libraries keep
			// per-thread state (libyara's scan context, malloc arenas),
			// which stays warm when a worker does not hop threads.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for s := range spooledQ {
				done <- outcome{res: sc.inspectTop(ctx, dir, s), sp: s}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	var sum Summary
	collect := func(o outcome) {
		if o.sp != nil {
			defer func() { o.sp.remove(); budget.release(o.sp.cost) }()
		}
		sum.Files++
		sum.Bytes += o.res.Size
		sum.Counts.add(o.res.Verdict)
		sc.progress.done(o.res.Verdict)
		if context.Cause(ctx) != nil {
			return
		}
		var f *os.File
		if o.sp != nil {
			f = o.sp.f
		}
		if err := h(o.res, f); err != nil {
			cancel(fmt.Errorf("handle %s: %w", o.res.Path, err))
		}
	}
	for _, r := range w.refused {
		collect(outcome{res: r})
	}
	for o := range done {
		collect(o)
	}
	sum.Duration = time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return sum, err
	}
	return sum, nil
}

// bigFile is the size from which files are read first.
const bigFile = 8 << 20

// readOrder is the order files are read in: the big ones first, largest
// first, then the others in walk order. One worker scans one file and its
// members alone, so a big file read last keeps one worker busy while the
// others have nothing left to do; read first, it overlaps with the rest.
func readOrder(files []entry) []entry {
	var big, rest []entry
	for _, e := range files {
		if e.size >= bigFile {
			big = append(big, e)
		} else {
			rest = append(rest, e)
		}
	}
	if len(big) == 0 {
		return files
	}
	slices.SortStableFunc(big, func(a, b entry) int { return cmp.Compare(b.size, a.size) })
	return append(big, rest...)
}

// outcome pairs a result with the spool copy it was decided on.
type outcome struct {
	res *Result
	sp  *spooled
}

// reader copies files into the spool, waiting for budget first so that
// the spool never holds more than the budget of unscanned bytes.
func (sc *Scanner) reader(ctx context.Context, dir string, b *budget, jobs <-chan entry, out chan<- *spooled, done chan<- outcome) {
	for e := range jobs {
		cost := b.cost(e.size)
		if err := b.acquire(ctx, cost); err != nil {
			return
		}
		sc.progress.current(e.display)
		s, err := sc.readOnce(ctx, dir, e)
		if err != nil {
			b.release(cost)
			if ctx.Err() != nil {
				return
			}
			done <- outcome{res: readFailure(e, err)}
			continue
		}
		s.cost = cost
		select {
		case out <- s:
		case <-ctx.Done():
			s.remove()
			b.release(cost)
			return
		}
	}
}

// readFailure turns a failure to read a source file into its result.
func readFailure(e entry, err error) *Result {
	r := newResult(e)
	var se *spoolError
	f := Finding{Engine: "read", Rule: "unreadable", Detail: err.Error(), Verdict: Error}
	switch {
	case errors.As(err, &se):
		f.Rule = "spool-failure"
	case errors.Is(err, errGrew):
		f.Rule, f.Verdict = "changed-while-reading", Blocked
	}
	r.settle([]Finding{f}, 1)
	return r
}

// inspectTop inspects one file read from the tree.
func (sc *Scanner) inspectTop(ctx context.Context, dir string, s *spooled) *Result {
	obj := &Object{
		Path: s.e.display, Name: baseName(s.e.rel), File: s.f, SpoolPath: spoolPath(s.f),
		Data: s.data(), Size: s.size, Sums: s.sums,
	}
	obj.Ext = filetype.Ext(obj.Name)
	t := &tree{dir: dir, top: obj.Path}
	findings, good := sc.inspect(ctx, obj, false, t)
	if ctx.Err() != nil {
		findings = append(findings, Finding{Engine: "scanner", Rule: "cancelled", Detail: "scan was stopped", Verdict: Blocked})
	}
	r := newResult(s.e)
	r.Size = s.size
	r.setSums(s.sums)
	r.Type = obj.Type.MIME
	r.Category = string(obj.Type.Category)
	r.KnownGood = good
	r.Members = t.members
	r.settle(findings, sc.cfg.MaxFindings)
	// Engines may have moved the offset; the handler gets it at 0.
	if _, err := s.f.Seek(0, 0); err != nil {
		r.settle(append(r.Findings, Finding{Engine: "scanner", Rule: "incomplete", Detail: err.Error(), Verdict: Blocked}), sc.cfg.MaxFindings+1)
	}
	return r
}

func baseName(rel string) string {
	for i := len(rel) - 1; i >= 0; i-- {
		if rel[i] == '/' {
			return rel[i+1:]
		}
	}
	return rel
}

// budget is a counting semaphore over spool bytes.
type budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	size int64
	used int64
}

func newBudget(size int64) *budget {
	b := &budget{size: size}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// cost is what a file of the given size holds of the budget while it is
// spooled: its size, counted twice for a file held in memory (its buffer
// and the handler's copy), and at most the whole budget, so that a larger
// file waits until it can have it all.
func (b *budget) cost(size int64) int64 {
	if size <= memObjectMax {
		size *= 2
	}
	return min(size, b.size)
}

func (b *budget) acquire(ctx context.Context, n int64) error {
	stop := context.AfterFunc(ctx, func() {
		b.mu.Lock()
		b.cond.Broadcast()
		b.mu.Unlock()
	})
	defer stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.used+n > b.size {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.cond.Wait()
	}
	b.used += n
	return nil
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.cond.Broadcast()
	b.mu.Unlock()
}
