package model

import (
	"path"
	"strings"
	"unicode"

	"github.com/sluice-ot/sluice/kiosk/api"
)

// heldBack counts the files not transferred.
func heldBack(c api.Counts) int { return c.Blocked + c.Infected + c.Error }

// isError reports whether an ended session is shown as an error: it ended
// without a verdict on the drive's files.
func isError(s *api.Session) bool {
	switch {
	case s.State == api.Done:
		return false
	case s.State == api.Aborted && s.Reason == api.ReasonCancelled:
		return false
	}
	return true
}

// outcome is the big title of an ended session and its colour.
func outcome(s *api.Session) (Text, Tone) {
	c := s.Counts
	switch s.State {
	case api.Done:
		switch {
		case s.Reason == api.ReasonUpdate:
			return T("update.done"), ToneNeutral
		case c.Infected > 0:
			return T("result.threats"), ToneBad
		case s.TransferID == "":
			return T("result.nothing"), ToneWarn
		case heldBack(c) > 0:
			return T("result.some_held"), ToneWarn
		}
		return T("result.clean"), ToneGood
	case api.Aborted:
		switch s.Reason {
		case api.ReasonCancelled:
			return T("result.cancelled"), ToneNeutral
		case api.ReasonRemoved:
			return T("error.removed"), ToneWarn
		}
		return T("error.stopped"), ToneWarn
	case api.Interrupted:
		return T("error.stopped"), ToneWarn
	}
	switch s.Reason {
	case api.ReasonRefused:
		return T("error.refused"), ToneBad
	case api.ReasonUnreadable:
		return T("error.unreadable"), ToneWarn
	case api.ReasonDestinationFull:
		return T("error.dest_full"), ToneBad
	case api.ReasonDestination:
		return T("error.dest"), ToneBad
	case api.ReasonStopped:
		return T("error.stopped"), ToneWarn
	}
	return T("error.internal"), ToneBad
}

// endView is the result or error screen of an ended session.
func endView(s *api.Session, d *api.SessionDetail, detailErr bool) EndView {
	v := EndView{TransferID: s.TransferID}
	v.Title, v.Tone = outcome(s)
	c := s.Counts
	held := heldBack(c)
	switch s.State {
	case api.Done:
		switch {
		case c.Clean > 0 && s.TransferID != "":
			v.Lines = append(v.Lines, TN("result.transferred", c.Clean))
		case held == 0:
			v.Lines = append(v.Lines, T("result.empty"))
		}
		if held > 0 {
			v.Lines = append(v.Lines, TN("result.held", held))
		}
		switch {
		case c.Infected > 0:
			v.Advice = T("advice.threats")
		default:
			v.Advice = T("advice.remove")
		}
	case api.Aborted:
		v.Lines = []Text{T("result.nothing_transferred")}
		switch s.Reason {
		case api.ReasonCancelled:
			v.Advice = T("advice.remove")
		case api.ReasonRemoved:
			v.Advice = T("advice.removed")
		default:
			v.Advice = T("advice.again")
		}
	case api.Interrupted:
		v.Lines = []Text{T("result.nothing_transferred")}
		v.Advice = T("advice.again")
	default:
		v.Lines = []Text{failureLine(s.Reason), T("result.nothing_transferred")}
		v.Advice = failureAdvice(s.Reason)
	}
	if s.State != api.Done || held == 0 {
		return v
	}
	switch {
	case d != nil:
		for _, f := range d.Files {
			if f.Verdict == "clean" {
				continue
			}
			if len(v.Files) == maxFiles {
				v.FilesMore++
				continue
			}
			why := CauseWords(causeOf(f.Cause, f.Verdict))
			tone := ToneWarn
			if f.Verdict == "infected" {
				tone = ToneBad
			}
			v.Files = append(v.Files, FileLine{Name: Shorten(f.Path, 60), Why: why, Tone: tone})
		}
	case !detailErr:
		v.Loading = true
	}
	return v
}

func failureLine(reason string) Text {
	switch reason {
	case api.ReasonRefused:
		return T("error.refused.line")
	case api.ReasonUnreadable:
		return T("error.unreadable.line")
	case api.ReasonDestinationFull:
		return T("error.dest_full.line")
	case api.ReasonDestination:
		return T("error.dest.line")
	case api.ReasonStopped:
		return T("error.stopped.line")
	}
	return T("error.internal.line")
}

func failureAdvice(reason string) Text {
	switch reason {
	case api.ReasonRefused:
		return T("advice.refused")
	case api.ReasonUnreadable:
		return T("advice.unreadable")
	case api.ReasonDestinationFull, api.ReasonDestination:
		return T("advice.call_admin")
	case api.ReasonStopped:
		return T("advice.again")
	}
	return T("advice.internal")
}

// updateView is an update drive's session: running, or each bundle's
// result.
func updateView(s *api.Session, d *api.SessionDetail, detailErr bool) UpdateView {
	v := UpdateView{Running: !s.State.Final(), Title: T("update.running")}
	if v.Running {
		return v
	}
	v.Title = T("update.done")
	v.Advice = T("advice.remove")
	if d == nil {
		v.Loading = !detailErr
		return v
	}
	for _, f := range d.Files {
		b := BundleLine{Name: Shorten(path.Base(f.Path), 48)}
		switch f.Verdict {
		case "installed":
			b.Result, b.Tone = T("update.installed"), ToneGood
		case "already-installed":
			b.Result, b.Tone = T("update.already"), ToneNeutral
		default:
			b.Result, b.Tone = T("update.refused"), ToneBad
		}
		v.Bundles = append(v.Bundles, b)
	}
	return v
}

// Shorten makes a name from a drive fit on one line, keeping its end (the
// file's own name and extension): "reports/2026/…/plan-final.xlsm". Control
// and bidi formatting characters are dropped, since a hostile drive can use
// them to make a name read as another.
func Shorten(name string, max int) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	r := []rune(name)
	if len(r) <= max || max < 8 {
		return name
	}
	keep := max - 1
	head := keep / 3
	tail := keep - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}
