package scanner

import (
	"sync"
	"time"
)

// Progress is the live state of a scan. The scanner updates it; renderers
// (terminal line, JSON, server-sent events, touchscreen) poll Snapshot at
// their own pace, so a slow renderer never slows the scan.
type Progress struct {
	mu   sync.Mutex
	now  func() time.Time
	snap Snapshot
}

// Snapshot is a consistent copy of the progress at one moment.
type Snapshot struct {
	FilesTotal int           `json:"files_total"`
	FilesDone  int           `json:"files_done"`
	BytesTotal int64         `json:"bytes_total"`
	BytesDone  int64         `json:"bytes_done"` // bytes read into the spool
	Current    string        `json:"current,omitempty"`
	Counts     Counts        `json:"counts"`
	Started    time.Time     `json:"started"`
	Elapsed    time.Duration `json:"elapsed_ns"`
	// ETA is the estimated time left, from the byte rate so far; zero
	// until there is a rate to go by.
	ETA time.Duration `json:"eta_ns"`
}

// NewProgress returns a Progress that reads time from now (time.Now if nil).
func NewProgress(now func() time.Time) *Progress {
	if now == nil {
		now = time.Now
	}
	return &Progress{now: now}
}

func (p *Progress) start(files int, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.snap = Snapshot{FilesTotal: files, BytesTotal: bytes, Started: p.now()}
}

func (p *Progress) addBytes(n int64) {
	p.mu.Lock()
	p.snap.BytesDone += n
	p.mu.Unlock()
}

func (p *Progress) current(name string) {
	p.mu.Lock()
	p.snap.Current = name
	p.mu.Unlock()
}

func (p *Progress) done(v Verdict) {
	p.mu.Lock()
	p.snap.FilesDone++
	p.snap.Counts.add(v)
	p.mu.Unlock()
}

// Snapshot returns the state now.
func (p *Progress) Snapshot() Snapshot {
	p.mu.Lock()
	s := p.snap
	p.mu.Unlock()
	if s.Started.IsZero() {
		return s
	}
	s.Elapsed = p.now().Sub(s.Started)
	// Bytes can exceed the walk's total when files grew; never go negative.
	if left := s.BytesTotal - s.BytesDone; s.BytesDone > 0 && left > 0 && s.Elapsed > 0 {
		rate := float64(s.BytesDone) / s.Elapsed.Seconds()
		s.ETA = time.Duration(float64(left) / rate * float64(time.Second))
	}
	return s
}
