package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/kiosk/config"
)

// clientFlags parses the flags every daemon client command takes.
func clientFlags(name, usage string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*api.Client, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	socket := fs.String("socket", config.Defaults().API.Socket, "the station daemon's API `socket`")
	if extra != nil {
		extra(fs)
	}
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, nil, err
	}
	return api.NewClient(*socket), rest, nil
}

// clientErr puts a failure to reach the daemon in words an admin can act on.
func clientErr(err error) error {
	if errors.Is(err, api.ErrUnreachable) {
		return wrapUserErr(err, "is sluiced running, and may you use its socket (root or the sluice group)?")
	}
	return err
}

const statusUsage = "usage: sluice status [--socket PATH] [--json]\n\nShows the station: state, current session, rules, destination.\n\nflags:\n"

func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var asJSON bool
	c, rest, err := clientFlags("status", statusUsage, args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the status as JSON")
	})
	if err != nil {
		return ExitFailed, err
	}
	if len(rest) > 0 {
		return ExitFailed, userErr("status takes no arguments", "run 'sluice status --help'")
	}
	s, err := c.Status(ctx)
	if err != nil {
		return ExitFailed, clientErr(err)
	}
	if asJSON {
		return ExitOK, json.NewEncoder(stdout).Encode(s)
	}
	fmt.Fprintf(stdout, "station   %s (sluice %s)\n", s.StationID, s.Version)
	fmt.Fprintf(stdout, "state     %s", s.State)
	if s.Waiting > 0 {
		fmt.Fprintf(stdout, ", %d drive(s) waiting", s.Waiting)
	}
	fmt.Fprintln(stdout)
	if cur := s.Current; cur != nil {
		fmt.Fprintf(stdout, "session   %s: %s, %s\n", cur.ID, cur.State, describeDevice(cur.Device))
		fmt.Fprintf(stdout, "progress  %s\n", sessionProgress(cur))
	}
	fmt.Fprintf(stdout, "rules     %s\n", describeRules(s.Rules))
	dest := "OK"
	if !s.Destination.OK {
		dest = "PROBLEM: " + s.Destination.Problem
	}
	fmt.Fprintf(stdout, "transfer  %s: %s, %s free of %s\n", s.Destination.Path, dest, humanBytes(s.Destination.FreeBytes), humanBytes(s.Destination.TotalBytes))
	return ExitOK, nil
}

const sessionsUsage = "usage: sluice sessions [--socket PATH] [--json] [--limit N] [ID]\n\nLists the latest sessions, or shows one with its files.\n\nflags:\n"

func runSessions(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var asJSON bool
	var limit int
	c, rest, err := clientFlags("sessions", sessionsUsage, args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
		fs.IntVar(&limit, "limit", 20, "how many sessions to list")
	})
	if err != nil {
		return ExitFailed, err
	}
	if len(rest) > 1 {
		return ExitFailed, userErr("sessions takes at most one session id", "run 'sluice sessions --help'")
	}
	if len(rest) == 1 {
		d, err := c.Session(ctx, rest[0])
		if errors.Is(err, api.ErrNotFound) {
			return ExitFailed, wrapUserErr(err, "list the sessions with 'sluice sessions'")
		}
		if err != nil {
			return ExitFailed, clientErr(err)
		}
		if asJSON {
			return ExitOK, json.NewEncoder(stdout).Encode(d)
		}
		printSession(stdout, &d.Session)
		printProblems(stdout, &d.Session)
		for _, f := range d.Files {
			line := fmt.Sprintf("  %-8s %s", f.Verdict, printable(f.Path))
			if len(f.Reasons) > 0 {
				line += ": " + printable(strings.Join(f.Reasons, "; "))
			}
			fmt.Fprintln(stdout, line)
		}
		return ExitOK, nil
	}
	ss, err := c.Sessions(ctx, limit)
	if err != nil {
		return ExitFailed, clientErr(err)
	}
	if asJSON {
		return ExitOK, json.NewEncoder(stdout).Encode(ss)
	}
	for i := range ss {
		printSession(stdout, &ss[i])
	}
	return ExitOK, nil
}

func printSession(w io.Writer, s *api.Session) {
	outcome := string(s.State)
	if s.Reason != "" {
		outcome += " (" + s.Reason + ")"
	}
	c := s.Counts
	fmt.Fprintf(w, "%s  %s  %-22s %d clean, %d infected, %d blocked, %d errors  %s",
		s.ID, s.Started.Local().Format("2006-01-02 15:04"), outcome, c.Clean, c.Infected, c.Blocked, c.Error, describeDevice(s.Device))
	if s.Operator != "" {
		fmt.Fprintf(w, "  operator %s", printable(s.Operator))
	}
	if s.TransferPath != "" {
		fmt.Fprintf(w, "  → %s", s.TransferPath)
	}
	fmt.Fprintln(w)
}

// printProblems prints, for admins, how a session ended and which
// partitions could not be scanned, with the station's own words.
func printProblems(w io.Writer, s *api.Session) {
	if s.Detail != "" {
		fmt.Fprintf(w, "  %s\n", printable(s.Detail))
	}
	for _, p := range s.Device.Partitions {
		if p.Error != "" {
			fmt.Fprintf(w, "  partition %s (%s) not scanned: %s\n", p.Name, p.FSType, printable(p.Error))
		}
	}
}

func describeDevice(d api.Device) string {
	name := strings.TrimSpace(d.Vendor + " " + d.Model)
	if name == "" {
		name = d.Device
	}
	if d.Serial != "" {
		name += " #" + d.Serial
	}
	return printable(name)
}

func sessionProgress(s *api.Session) string {
	p := s.Progress
	eta := "--"
	if p.ETASeconds > 0 {
		eta = (time.Duration(p.ETASeconds) * time.Second).String()
	}
	return fmt.Sprintf("%d/%d files  %s/%s  %d clean, %d held back  ETA %s",
		p.FilesDone, p.FilesTotal, humanBytes(p.BytesDone), humanBytes(p.BytesTotal),
		s.Counts.Clean, s.Counts.Infected+s.Counts.Blocked+s.Counts.Error, eta)
}

const watchUsage = "usage: sluice watch [--socket PATH] [--once]\n\nFollows sessions live. With --once, waits for the next session to end,\nprints its summary and exits: 0 when done, 1 when it failed or was aborted,\n2 when the station could not be followed to the session's end.\n\nflags:\n"

func runWatch(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var once bool
	c, rest, err := clientFlags("watch", watchUsage, args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&once, "once", false, "exit when the next session ends")
	})
	if err != nil {
		return ExitFailed, err
	}
	if len(rest) > 0 {
		return ExitFailed, userErr("watch takes no arguments", "run 'sluice watch --help'")
	}
	code := ExitOK
	lastState := map[string]api.State{}
	errDone := errors.New("done")
	err = c.Events(ctx, func(typ string, data []byte) error {
		if typ == "status" {
			fmt.Fprintln(stdout, "watching station sessions; insert a drive")
			return nil
		}
		var ev api.Event
		if err := json.Unmarshal(data, &ev); err != nil || ev.Session == nil {
			return nil
		}
		s := ev.Session
		switch {
		case typ == "progress":
			fmt.Fprintf(stdout, "  %s  %s\n", s.ID, sessionProgress(s))
		case lastState[s.ID] != s.State:
			lastState[s.ID] = s.State
			fmt.Fprintf(stdout, "%s  %s  %s\n", s.ID, s.State, describeDevice(s.Device))
			if s.State.Final() {
				printSession(stdout, s)
				printProblems(stdout, s)
				if s.TransferPath != "" {
					fmt.Fprintf(stdout, "transfer: %s\n", s.TransferPath)
				}
				if once {
					if s.State != api.Done {
						code = ExitFindings
					}
					return errDone
				}
			}
		}
		return nil
	})
	if errors.Is(err, errDone) || (err != nil && ctx.Err() != nil) {
		return code, nil
	}
	if errors.Is(err, api.ErrStreamEnded) {
		// Never a success: with --once the session's end was not seen.
		return ExitFailed, wrapUserErr(err, "sluiced stopped or restarted; see 'sluice status' and 'sluice sessions'")
	}
	return ExitFailed, clientErr(err)
}

// describeRules says which rules are active: "demo-rules version 3,
// created 2026-11-20 (6 days old), 34 rules", with a warning when they
// are stale.
func describeRules(r api.Rules) string {
	s := r.Name + " version " + r.Version
	if !r.Created.IsZero() {
		s += fmt.Sprintf(", created %s (%s old)", r.Created.UTC().Format("2006-01-02"), count(r.AgeDays, "day"))
	}
	s += ", " + count(r.Count, "rule")
	if r.Stale {
		s += " — STALE: import a current rule bundle"
	}
	return s
}
