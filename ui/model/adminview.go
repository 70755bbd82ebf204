package model

import (
	"fmt"
	"strconv"
	"time"
)

// timeLayout is how the admin screen writes times: the same in every
// language, and unambiguous.
const timeLayout = "2006-01-02 15:04"

func value(s string) Text { return T("admin.value").With("V", s) }

func (m *Model) adminView() AdminView {
	a := m.admin
	v := AdminView{Tab: a.tab, Loading: a.loading}
	if a.loadErr {
		v.Error = T("admin.load_failed")
	}
	v.Rules = m.rulesLines()
	for _, s := range a.sessions {
		title, tone := outcome(&s)
		v.Sessions = append(v.Sessions, SessionLine{
			Time:     s.Started.In(m.loc()).Format(timeLayout),
			Outcome:  title,
			Tone:     tone,
			Counts:   T("admin.sessions.counts").With("Clean", s.Counts.Clean).With("Held", heldBack(s.Counts)),
			Operator: Shorten(s.Operator, 32),
		})
	}
	v.Station = m.stationLines()
	return v
}

func (m *Model) loc() *time.Location {
	if m.opts.Location != nil {
		return m.opts.Location
	}
	return time.Local
}

func (m *Model) rulesLines() []Line {
	var out []Line
	a := m.admin
	if m.status != nil {
		r := m.status.Rules
		switch {
		case noBundle(r):
			// The digest of the rule sources goes on a line of its own,
			// for an admin comparing stations; it wraps.
			out = append(out, Line{Label: T("admin.rules.active"), Value: T("admin.rules.defaults"), Tone: ToneWarn},
				Line{Label: T("admin.rules.id"), Value: value(r.Version)})
		case r.Version == "":
			out = append(out, Line{Label: T("admin.rules.active"), Value: value("-")})
		default:
			out = append(out, Line{Label: T("admin.rules.active"), Value: value(r.Version)})
		}
		if !r.Created.IsZero() {
			out = append(out, Line{Label: T("admin.rules.created"), Value: TN("admin.rules.age", r.AgeDays).With("Date", r.Created.In(m.loc()).Format(timeLayout))})
		}
		if r.Count > 0 {
			out = append(out, Line{Label: T("admin.rules.count"), Value: value(strconv.Itoa(r.Count))})
		}
	}
	stale := m.status != nil && m.status.Rules.Stale
	if a.rules != nil {
		stale = stale || a.rules.Stale
	}
	if stale {
		out = append(out, Line{Label: T("admin.rules.state"), Value: T("admin.rules.stale"), Tone: ToneWarn})
	} else {
		out = append(out, Line{Label: T("admin.rules.state"), Value: T("admin.rules.fresh"), Tone: ToneGood})
	}
	if a.rules != nil {
		for _, b := range a.rules.Bundles {
			val := T("admin.rules.kept").With("Name", b.Name).With("Date", b.InstalledAt.In(m.loc()).Format(timeLayout))
			tone := ToneNeutral
			if b.Active {
				val = T("admin.rules.kept_active").With("Name", b.Name).With("Date", b.InstalledAt.In(m.loc()).Format(timeLayout))
				tone = ToneGood
			}
			out = append(out, Line{Label: T("admin.rules.version").With("Version", b.Version), Value: val, Tone: tone})
		}
	}
	out = append(out, Line{Label: T("admin.rules.update"), Value: T("admin.rules.update_how")})
	return out
}

func (m *Model) stationLines() []Line {
	st := m.status
	if st == nil {
		return nil
	}
	out := []Line{
		{Label: T("admin.station.id"), Value: value(st.StationID)},
		{Label: T("admin.station.version"), Value: value(st.Version)},
	}
	d := st.Destination
	dest := Line{Label: T("admin.station.dest")}
	switch {
	case d.OK:
		dest.Value, dest.Tone = T("admin.station.free").With("GB", fmt.Sprintf("%.1f", float64(d.FreeBytes)/1e9)), ToneGood
	case destFull(d):
		dest.Value, dest.Tone = T("strip.dest.full"), ToneBad
	default:
		dest.Value, dest.Tone = T("strip.dest.problem"), ToneBad
	}
	out = append(out, dest)
	state := T("admin.station.idle")
	if st.State == "busy" {
		state = T("admin.station.busy")
	}
	out = append(out, Line{Label: T("admin.station.state"), Value: state})
	return out
}
