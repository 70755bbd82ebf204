package scanner

import "fmt"

// Verdict is the outcome for one file. The order of severity is
// Clean < Error < Blocked < Infected: when several findings apply,
// the most severe one decides.
type Verdict string

const (
	// Clean means every engine inspected the exact bytes and found nothing.
	Clean Verdict = "clean"
	// Error means the station could not read the file; it is not copied.
	Error Verdict = "error"
	// Blocked means a policy refused the file, or it could not be fully
	// inspected (fail closed).
	Blocked Verdict = "blocked"
	// Infected means an engine matched a signature or a blocklist.
	Infected Verdict = "infected"
)

func (v Verdict) rank() int {
	switch v {
	case Clean:
		return 0
	case Error:
		return 1
	case Blocked:
		return 2
	case Infected:
		return 3
	}
	// An unknown verdict must never be mistaken for clean.
	return 4
}

// Worse reports whether v is more severe than w.
func (v Verdict) Worse(w Verdict) bool { return v.rank() > w.rank() }

// Finding is one reason for a verdict: which engine, which rule or list,
// and a detail for the report.
type Finding struct {
	Engine  string  `json:"engine"`           // "yara", "hashdb", "type", "archive", "walk", "read", "clamd"
	Rule    string  `json:"rule"`             // rule name, list name, or policy name
	Detail  string  `json:"detail,omitempty"` // human-readable detail for admins
	Member  string  `json:"member,omitempty"` // path inside an archive, "a.zip/b.tar/c.doc"
	Verdict Verdict `json:"verdict"`          // infected, blocked or error
}

// Reason renders the finding as one line for reports.
func (f Finding) Reason() string {
	s := f.Engine + ": " + f.Rule
	if f.Detail != "" {
		s += " (" + f.Detail + ")"
	}
	if f.Member != "" {
		s += " in " + f.Member
	}
	return s
}

// Decide returns the most severe verdict among findings, Clean if none.
func Decide(findings []Finding) Verdict {
	v := Clean
	for _, f := range findings {
		if f.Verdict.Worse(v) {
			v = f.Verdict
		}
	}
	return v
}

func (v Verdict) String() string { return string(v) }

// ParseVerdict checks that s names a verdict.
func ParseVerdict(s string) (Verdict, error) {
	switch v := Verdict(s); v {
	case Clean, Error, Blocked, Infected:
		return v, nil
	}
	return "", fmt.Errorf("unknown verdict %q", s)
}
