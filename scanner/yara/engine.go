package yara

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	goyara "github.com/hillu/go-yara/v4"

	"github.com/sluice-ot/sluice/scanner"
)

// ErrTimeout is wrapped by the error Scan returns when libyara gave up on
// a file after Options.Timeout.
var ErrTimeout = errors.New("yara: scan timed out")

// DefaultTimeout applies when Options.Timeout is zero.
const DefaultTimeout = time.Minute

const (
	// scanFlagsNoTryCatch is SCAN_FLAGS_NO_TRYCATCH, which go-yara does
	// not export. Without it libyara 4.2 installs a process-wide SIGSEGV
	// and SIGBUS handler around every scan, which races between threads
	// and fights the Go runtime's own handlers.
	scanFlagsNoTryCatch goyara.ScanFlags = 4
	scanFlags                            = goyara.ScanFlagsFastMode | scanFlagsNoTryCatch

	// errScanTimeout is libyara's ERROR_SCAN_TIMEOUT; a test pins it.
	errScanTimeout = goyara.Error(26)
)

// Options tune an Engine.
type Options struct {
	// Timeout bounds the scan of one file. libyara counts whole seconds
	// and go-yara truncates, so the value is rounded up to the next
	// second, with a minimum of one; zero means DefaultTimeout.
	Timeout time.Duration
}

// Engine scans spooled objects with compiled rules. It implements
// scanner.Engine and is safe for concurrent use: each scan borrows a
// libyara scanner of its own from a free list.
type Engine struct {
	rules   *Rules
	timeout time.Duration

	// mu is held shared by scans and exclusively by Close, which must
	// not free a scanner that is in use.
	mu     sync.RWMutex
	closed bool

	poolMu sync.Mutex
	free   []*goyara.Scanner
}

var _ scanner.DataEngine = (*Engine)(nil)

// NewEngine returns an engine over r. r stays alive until both r and the
// engine are closed, whichever comes last.
func NewEngine(r *Rules, opts Options) (*Engine, error) {
	if r == nil {
		return nil, errors.New("yara engine: no rules")
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("yara engine: negative timeout %v", opts.Timeout)
	}
	if err := r.acquire(); err != nil {
		return nil, fmt.Errorf("yara engine: %w", err)
	}
	return &Engine{rules: r, timeout: roundTimeout(opts.Timeout)}, nil
}

func roundTimeout(d time.Duration) time.Duration {
	if d == 0 {
		d = DefaultTimeout
	}
	secs := (d + time.Second - 1) / time.Second
	if secs < 1 {
		secs = 1
	}
	return secs * time.Second
}

// Timeout is the per-file limit in force, after rounding.
func (e *Engine) Timeout() time.Duration { return e.timeout }

// Name implements scanner.Engine.
func (e *Engine) Name() string { return "yara" }

// ScansData implements scanner.DataEngine: an object held in memory is
// scanned from its bytes (libyara's scan of a memory block).
func (e *Engine) ScansData() bool { return true }

// Scan implements scanner.Engine. It scans the object's bytes held in
// memory (obj.Data) when set, else the spool copy, through obj.File when
// set and obj.SpoolPath otherwise, and returns one finding
// per matching rule. Any error means the object was not fully inspected.
func (e *Engine) Scan(ctx context.Context, obj *scanner.Object) ([]scanner.Finding, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("yara: %w", err)
	}
	if obj == nil || obj.Data == nil && obj.File == nil && obj.SpoolPath == "" {
		return nil, errors.New("yara: object has no spool copy")
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return nil, ErrClosed
	}
	s, err := e.get()
	if err != nil {
		return nil, err
	}
	// A scanner that failed mid-way is still sound: libyara resets its
	// state at the start of every scan.
	defer e.put(s)

	if err := setExternals(s, obj); err != nil {
		return nil, fmt.Errorf("yara: %w", err)
	}
	var m matches
	s.SetCallback(&m)
	switch {
	case obj.Data != nil:
		// The bytes read once, held in memory: no file to map.
		err = s.ScanMem(obj.Data)
	case obj.File != nil:
		err = s.ScanFileDescriptor(obj.File.Fd())
		// The descriptor is only valid while the *os.File is reachable.
		runtime.KeepAlive(obj.File)
	default:
		err = s.ScanFile(obj.SpoolPath)
	}
	s.SetCallback(nil)
	if err != nil {
		if errors.Is(err, errScanTimeout) {
			return nil, fmt.Errorf("%w after %v", ErrTimeout, e.timeout)
		}
		return nil, fmt.Errorf("yara: %w", err)
	}
	return e.findings(m), nil
}

// Close waits for running scans and frees the engine's scanners, then
// releases its hold on the rules. Scans after Close fail with ErrClosed.
func (e *Engine) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.closed = true
	e.poolMu.Lock()
	for _, s := range e.free {
		s.Destroy()
	}
	e.free = nil
	e.poolMu.Unlock()
	e.rules.release()
}

// get takes a scanner from the free list or makes one. The list grows to
// the largest number of concurrent scans seen, which the caller's worker
// count bounds.
func (e *Engine) get() (*goyara.Scanner, error) {
	e.poolMu.Lock()
	if n := len(e.free); n > 0 {
		s := e.free[n-1]
		e.free = e.free[:n-1]
		e.poolMu.Unlock()
		return s, nil
	}
	e.poolMu.Unlock()
	s, err := goyara.NewScanner(e.rules.rules)
	if err != nil {
		return nil, fmt.Errorf("yara: new scanner: %w", err)
	}
	s.SetFlags(scanFlags).SetTimeout(e.timeout)
	return s, nil
}

func (e *Engine) put(s *goyara.Scanner) {
	e.poolMu.Lock()
	e.free = append(e.free, s)
	e.poolMu.Unlock()
}

// setExternals gives every per-object variable a value on each scan: the
// scanner is reused, and a stale value from the previous file must not
// leak into this one.
func setExternals(s *goyara.Scanner, obj *scanner.Object) error {
	ext := ""
	if obj.Ext != "" {
		// LOKI passes os.path.splitext()[1].lower(): with the dot, and
		// signature-base compares against ".vbs", ".ps1", ...
		ext = "." + strings.ToLower(obj.Ext)
	}
	vars := [...]struct{ name, value string }{
		{"filename", obj.Name},
		{"filepath", obj.Path},
		{"extension", ext},
		{"filetype", obj.Type.Label},
		{"md5", hex.EncodeToString(obj.Sums.MD5)},
		{"unpack_parent", obj.Parent},
		{"unpack_source", obj.Source},
	}
	for _, v := range vars {
		if err := s.DefineVariable(v.name, v.value); err != nil {
			return fmt.Errorf("set %s: %w", v.name, err)
		}
	}
	return nil
}

type match struct {
	rule, namespace string
	tags            []string
	metas           []goyara.Meta
}

// matches collects matching rules without their string matches, which
// go-yara's MatchRules would copy out of C for nothing.
type matches []match

func (m *matches) RuleMatching(_ *goyara.ScanContext, r *goyara.Rule) (bool, error) {
	*m = append(*m, match{r.Identifier(), r.Namespace(), r.Tags(), r.Metas()})
	return false, nil
}

func (e *Engine) findings(ms matches) []scanner.Finding {
	if len(ms) == 0 {
		return nil
	}
	out := make([]scanner.Finding, 0, len(ms))
	for _, m := range ms {
		f := scanner.Finding{Engine: "yara", Rule: m.rule, Verdict: scanner.Infected}
		var reason, description string
		for _, meta := range m.metas {
			switch meta.Identifier {
			case "sluice_action":
				if s, ok := meta.Value.(string); ok && strings.EqualFold(s, "block") {
					f.Verdict = scanner.Blocked
				}
			case "sluice_reason":
				reason = fmt.Sprint(meta.Value)
			case "description":
				description = fmt.Sprint(meta.Value)
			}
		}
		if reason == "" {
			reason = description
		}
		var extra []string
		if len(m.tags) > 0 {
			extra = append(extra, "tags: "+strings.Join(m.tags, ", "))
		}
		if e.rules.shared[m.rule] {
			extra = append(extra, "file: "+m.namespace)
		}
		f.Detail = reason
		if len(extra) > 0 {
			if f.Detail != "" {
				f.Detail += "; "
			}
			f.Detail += strings.Join(extra, "; ")
		}
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rule < out[j].Rule })
	return out
}
