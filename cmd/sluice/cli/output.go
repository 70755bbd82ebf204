package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/engines"
)

// scanOutput renders results as text (non-clean files only) or JSON lines.
type scanOutput struct {
	w    io.Writer
	json bool
	all  bool
	enc  *json.Encoder
}

func newScanOutput(w io.Writer, asJSON, all bool) *scanOutput {
	o := &scanOutput{w: w, json: asJSON, all: all}
	if asJSON {
		o.enc = json.NewEncoder(w)
		o.enc.SetEscapeHTML(false)
	}
	return o
}

func (o *scanOutput) result(r *scanner.Result) error {
	if o.json {
		return o.enc.Encode(r)
	}
	if r.Verdict == scanner.Clean {
		if o.all {
			_, err := fmt.Fprintf(o.w, "%-8s %s\n", r.Verdict, printable(r.Path))
			return err
		}
		return nil
	}
	_, err := fmt.Fprintf(o.w, "%-8s %s: %s\n", r.Verdict, printable(r.Path), printable(strings.Join(r.Reasons, "; ")))
	return err
}

// jsonSummary is the last JSON line of a scan.
type jsonSummary struct {
	Files         int            `json:"files"`
	Bytes         int64          `json:"bytes"`
	Counts        scanner.Counts `json:"counts"`
	DurationMS    int64          `json:"duration_ms"`
	RuleFiles     int            `json:"rule_files"`
	Rules         int            `json:"rules"`
	RulesRejected int            `json:"rules_rejected"`
	Rejected      []rejectJSON   `json:"rejected_rule_files"`
	HashRejected  int            `json:"hash_lines_rejected"`
	Transfer      *string        `json:"transfer,omitempty"` // with --out: the published path, or "" for none
}

type rejectJSON struct {
	File    string `json:"file"`
	Message string `json:"message"`
}

func (o *scanOutput) summary(s scanner.Summary, e *engines.Set, published string, publishing bool) error {
	rejects := e.Rules.Rejects()
	if o.json {
		js := jsonSummary{
			Files: s.Files, Bytes: s.Bytes, Counts: s.Counts, DurationMS: s.Duration.Milliseconds(),
			RuleFiles: e.Rules.Files(), Rules: e.Rules.Count(), RulesRejected: len(rejects),
			Rejected: []rejectJSON{}, HashRejected: len(e.HashRejects),
		}
		for _, r := range rejects {
			js.Rejected = append(js.Rejected, rejectJSON{File: r.File, Message: r.Message})
		}
		if publishing {
			js.Transfer = &published
		}
		return o.enc.Encode(map[string]any{"summary": js})
	}
	c := s.Counts
	_, err := fmt.Fprintf(o.w, "scanned %s (%s) in %s: %d clean, %d infected, %d blocked, %d errors\n",
		count(s.Files, "file"), humanBytes(s.Bytes), s.Duration.Round(10*time.Millisecond), c.Clean, c.Infected, c.Blocked, c.Error)
	if err == nil && len(rejects) > 0 {
		_, err = fmt.Fprintf(o.w, "%s rejected (see warnings above)\n", count(len(rejects), "rule file"))
	}
	switch {
	case err != nil || !publishing:
	case published == "":
		_, err = fmt.Fprintln(o.w, "nothing clean to transfer: nothing was published")
	default:
		_, err = fmt.Fprintf(o.w, "published %s: %s\n", count(c.Clean, "clean file"), published)
	}
	return err
}

// progressLine redraws a one-line progress report on stderr while a scan
// runs, only when stderr is a terminal. Result lines go through write, so
// that they never land in the middle of the progress line.
type progressLine struct {
	mu   sync.Mutex
	tty  *os.File // nil when stderr is not a terminal
	done chan struct{}
	wg   sync.WaitGroup
}

func startProgressLine(stderr io.Writer, p *scanner.Progress) *progressLine {
	pl := &progressLine{done: make(chan struct{})}
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return pl
	}
	pl.tty = f
	pl.wg.Add(1)
	go func() {
		defer pl.wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-pl.done:
				return
			case <-t.C:
				pl.mu.Lock()
				fmt.Fprint(f, "\r\033[K"+progressText(p.Snapshot()))
				pl.mu.Unlock()
			}
		}
	}()
	return pl
}

// write runs fn, which prints a result, with the progress line cleared.
func (pl *progressLine) write(fn func() error) error {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.tty != nil {
		fmt.Fprint(pl.tty, "\r\033[K")
	}
	return fn()
}

// stop ends the redraws and clears the line.
func (pl *progressLine) stop() {
	close(pl.done)
	pl.wg.Wait()
	if pl.tty != nil {
		fmt.Fprint(pl.tty, "\r\033[K")
	}
}

func progressText(s scanner.Snapshot) string {
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.BytesDone) / s.Elapsed.Seconds()
	}
	files := 0.0
	if s.Elapsed > 0 {
		files = float64(s.FilesDone) / s.Elapsed.Seconds()
	}
	eta := "--"
	if s.ETA > 0 {
		eta = s.ETA.Round(time.Second).String()
	}
	return fmt.Sprintf("%d/%d files  %s/%s  %s/s  %.0f files/s  ETA %s",
		s.FilesDone, s.FilesTotal, humanBytes(s.BytesDone), humanBytes(s.BytesTotal), humanBytes(int64(rate)), files, eta)
}

func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// count says "1 file", "2 files".
func count(n int, noun string) string { return countN(n, noun, noun+"s") }

// countN says "1 entry", "2 entries", for nouns with their own plural.
func countN(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
