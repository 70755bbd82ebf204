package scanner

import (
	"encoding/hex"
	"strconv"
	"time"
)

// Result is the verdict on one entry of the scanned tree.
type Result struct {
	// Path is the entry's path as the user named it: the root joined with
	// the path below it. Rel is the path below the root, slash-separated,
	// which is what a transfer preserves.
	Path string `json:"path"`
	Rel  string `json:"-"`
	Root string `json:"-"`
	// Kind is empty for regular files, else "symlink", "directory",
	// "device", "fifo", "socket" or "other".
	Kind     string    `json:"kind,omitempty"`
	Size     int64     `json:"size"`
	SHA256   string    `json:"sha256,omitempty"`
	SHA1     string    `json:"sha1,omitempty"`
	MD5      string    `json:"md5,omitempty"`
	Type     string    `json:"type,omitempty"`
	Category string    `json:"category,omitempty"`
	Verdict  Verdict   `json:"verdict"`
	Reasons  []string  `json:"reasons"`
	Findings []Finding `json:"findings"`
	// KnownGood is set when an allowlist holds the file's digest.
	KnownGood bool `json:"known_good,omitempty"`
	// Members counts the archive members inspected inside the file.
	Members int `json:"members,omitempty"`
}

func newResult(e entry) *Result {
	return &Result{Path: e.display, Rel: e.rel, Root: e.root, Size: e.size, Kind: e.kind}
}

// settle fixes the verdict and reasons from the findings, keeping at most
// max findings in the report.
func (r *Result) settle(findings []Finding, max int) {
	r.Verdict = Decide(findings)
	if len(findings) > max {
		extra := len(findings) - max
		findings = append(findings[:max:max], Finding{
			Engine: "scanner", Rule: "more-findings",
			Detail:  strconv.Itoa(extra) + " more findings not listed",
			Verdict: r.Verdict,
		})
	}
	r.Findings = findings
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	r.Reasons = make([]string, 0, len(findings))
	for _, f := range findings {
		r.Reasons = append(r.Reasons, f.Reason())
	}
}

func (r *Result) setSums(s Sums) {
	r.SHA256 = hexOrEmpty(s.SHA256)
	r.SHA1 = hexOrEmpty(s.SHA1)
	r.MD5 = hexOrEmpty(s.MD5)
}

func hexOrEmpty(b []byte) string {
	if b == nil {
		return ""
	}
	return hex.EncodeToString(b)
}

// Counts holds the number of files per verdict.
type Counts struct {
	Clean    int `json:"clean"`
	Infected int `json:"infected"`
	Blocked  int `json:"blocked"`
	Error    int `json:"error"`
}

func (c *Counts) add(v Verdict) {
	switch v {
	case Clean:
		c.Clean++
	case Infected:
		c.Infected++
	case Error:
		c.Error++
	default:
		c.Blocked++
	}
}

// Total is the number of files counted.
func (c Counts) Total() int { return c.Clean + c.Infected + c.Blocked + c.Error }

// Summary describes a whole scan.
type Summary struct {
	Counts   Counts        `json:"counts"`
	Files    int           `json:"files"`
	Bytes    int64         `json:"bytes"`
	Duration time.Duration `json:"-"`
}

// Cause names, in one short stable string, why a file that is not clean
// was held back: its verdict and the first finding that carries it, as
// "blocked:archive/encrypted". Manifests and reports count files by it.
func (r *Result) Cause() string {
	for _, f := range r.Findings {
		if f.Verdict == r.Verdict {
			return string(r.Verdict) + ":" + f.Engine + "/" + f.Rule
		}
	}
	return string(r.Verdict)
}
