package guard

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-ot/sluice/audit/syslog"
	"github.com/sluice-ot/sluice/guard/media"
	"github.com/sluice-ot/sluice/guard/uevent"
	"github.com/sluice-ot/sluice/guard/usbpolicy"
	"github.com/sluice-ot/sluice/internal/usbdesc/usbdesctest"
	"github.com/sluice-ot/sluice/transfer"
)

// What a hostile stick controls: its serial string, its volumes' labels
// and the names of the files on them. Each tries to end the value it is
// written in (a newline for the journal, `"` and `]` for syslog's
// structured data, a backslash for either's escaping) and forge a field.
const (
	hostileSerial = "SN\"]\\x\nPRIORITY=0"
	hostileLabel  = "EVIL\"]\\\nMESSAGE=forged"
	hostilePath   = `x"] \y.exe`
)

var hostileStick = usbDev{path: pci + "usb1/1-4", ids: [2]string{"0781", "5581"}, serial: hostileSerial,
	desc: usbdesctest.Concat(usbdesctest.Device(0), usbdesctest.Config(1, usbdesctest.Storage)), authorized: "0", devnum: 7}

// hostileMedia is the verdict on the stick's drive as guard/media gives
// it: one valid transfer, one volume with a file the manifest lacks.
func hostileMedia() MediaResult {
	return fromMedia(media.Result{Reason: media.ReasonMixed, Partitions: []media.Partition{
		{Name: "sdd1", FSType: "vfat", Label: "DATA", Transfer: "T-0001", Valid: true, Device: "/dev/sdd1", Reason: media.ReasonValid},
		{Name: "sdd2", FSType: "exfat", Label: hostileLabel, Device: "/dev/sdd2", Reason: media.ReasonExtraFile,
			Problems: []transfer.Problem{{Kind: transfer.ProblemExtraFile, Path: hostilePath}}},
	}})
}

// blockHostileStick runs the guard, with its reporter changed by setup,
// plugs the hostile stick in and returns the collected record of its
// media-blocked decision.
func blockHostileStick(t *testing.T, setup func(*reporter)) rec {
	t.Helper()
	root := writeSysfs(t, rootHub1)
	tg := newTestGuard(t, testConfig(t, root), map[string][]string{"1-4": {"/dev/sdd"}},
		map[string]MediaResult{"/dev/sdd": hostileMedia()})
	setup(tg.Guard.rep)
	tg.start(t)
	plug(t, root, hostileStick)
	tg.src.ch <- usbEvent(uevent.ActionAdd, hostileStick)
	r, _ := tg.log.waitFor(t, 0, decisionFor("1-4", DecisionMediaBlocked))
	return r
}

// TestSyslogDecision runs the guard over the hostile stick with syslog
// forwarding to a UDP listener, and reads the RFC 5424 message of its
// media-blocked decision: MSGID USB, severity notice, every decision
// field as a structured-data param whose value reads back exactly.
func TestSyslogDecision(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	msgs := make(chan string, 256)
	go func() {
		buf := make([]byte, 1<<16)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	t0 := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	r := blockHostileStick(t, func(rp *reporter) {
		s, err := syslog.New("udp://"+pc.LocalAddr().String(), syslog.Options{Hostname: "plc-07", Now: func() time.Time { return t0 }})
		if err != nil {
			t.Fatal(err)
		}
		rp.syslog = s
	})

	var msg string
	timeout := time.After(20 * time.Second)
	for !strings.Contains(msg, ` decision="media-blocked"`) {
		select {
		case msg = <-msgs:
		case <-timeout:
			t.Fatal("no media-blocked message in 20s")
		}
	}
	t.Logf("udp: %q", msg)
	const head = "<109>1 2025-06-02T10:00:00.000000Z plc-07 sluice - USB "
	if !strings.HasPrefix(msg, head) {
		t.Fatalf("message = %q, want it to start %q (log audit, notice)", msg, head)
	}
	params, rest, err := parseSD(strings.TrimPrefix(msg, head))
	if err != nil {
		t.Fatalf("structured data of %q: %v", msg, err)
	}
	want := []syslog.Param{
		{Name: "device", Value: "1-4"}, {Name: "vid_pid", Value: "0781:5581"}, {Name: "serial", Value: hostileSerial},
		{Name: "port", Value: "1-4"}, {Name: "classes", Value: "08/06/50"}, {Name: "trigger", Value: "media"},
		{Name: "decision", Value: "media-blocked"}, {Name: "reason", Value: r.attrs["reason"]}, {Name: "authorized", Value: "0"},
		{Name: "partition", Value: "sdd1 valid"}, {Name: "partition", Value: "sdd2 invalid: extra-file " + hostilePath},
	}
	if diff := cmp.Diff(want, params); diff != "" {
		t.Errorf("structured-data params (-want +got):\n%s", diff)
	}
	if w := " usb 1-4 0781:5581 media-blocked: " + r.attrs["reason"]; rest != w {
		t.Errorf("MSG = %q, want %q", rest, w)
	}
	// The escapes themselves, as RFC 5424 §6.3.3 spells them.
	for _, w := range []string{`serial="SN\"\]\\x` + "\n" + `PRIORITY=0"`, `partition="sdd2 invalid: extra-file x\"\] \\y.exe"]`} {
		if !strings.Contains(msg, w) {
			t.Errorf("message lacks %q", w)
		}
	}
}

// parseSD reads the one structured-data element [sluice@32473 ...] at the
// start of s as a receiver does: in a PARAM-VALUE only `\"`, `\\` and `\]`
// are escapes, and an unescaped `"` or `]` ends the value or the element.
// It returns the params and what follows the element.
func parseSD(s string) (params []syslog.Param, rest string, err error) {
	s, ok := strings.CutPrefix(s, "["+syslog.SDID)
	if !ok {
		return nil, "", errors.New("no [" + syslog.SDID + " element")
	}
	for {
		if rest, ok := strings.CutPrefix(s, "]"); ok {
			return params, rest, nil
		}
		s, ok = strings.CutPrefix(s, " ")
		if !ok {
			return params, "", errors.New("param not preceded by a space")
		}
		name, after, ok := strings.Cut(s, `="`)
		if !ok || name == "" || strings.ContainsAny(name, ` ="]`) {
			return params, "", errors.New("bad param name at " + s)
		}
		var v strings.Builder
		i := 0
		for ; i < len(after) && after[i] != '"'; i++ {
			switch c := after[i]; {
			case c == '\\' && i+1 < len(after) && strings.IndexByte(`"\]`, after[i+1]) >= 0:
				i++
				v.WriteByte(after[i])
			case c == ']':
				return params, "", errors.New("unescaped ] in the value of " + name)
			default:
				v.WriteByte(c)
			}
		}
		if i == len(after) {
			return params, "", errors.New("unterminated value of " + name)
		}
		params = append(params, syslog.Param{Name: name, Value: v.String()})
		s = after[i+1:]
	}
}

// TestDecisionSeverity: a refusal is a warning in the journal and a
// notice in syslog; everything else is info in both.
func TestDecisionSeverity(t *testing.T) {
	for _, tc := range []struct {
		decision string
		journal  string
		syslog   syslog.Severity
	}{
		{usbpolicy.ActionAuthorize, "6", syslog.SevInfo},
		{usbpolicy.ActionDeny, "4", syslog.SevNotice},
		{usbpolicy.ActionVerifyMedia, "6", syslog.SevInfo},
		{DecisionMediaAllowed, "6", syslog.SevInfo},
		{DecisionMediaBlocked, "4", syslog.SevNotice},
	} {
		j := newFakeJournal(t)
		jh, err := dialJournal(j.path, slog.LevelInfo, slog.NewTextHandler(&failWriter{t}, nil))
		if err != nil {
			t.Fatal(err)
		}
		rec := Record{Device: "1-4", Decision: tc.decision}
		(&reporter{log: slog.New(jh)}).report(context.Background(), rec)
		m := fieldMap(j.next(t, func(map[string]string) bool { return true }))
		if m["PRIORITY"] != tc.journal {
			t.Errorf("journal PRIORITY for %s = %s, want %s", tc.decision, m["PRIORITY"], tc.journal)
		}
		ev := syslogEvent(rec)
		if ev.Severity != tc.syslog || ev.MsgID != "USB" {
			t.Errorf("syslogEvent(%s) = severity %d, MSGID %s; want %d, USB", tc.decision, ev.Severity, ev.MsgID, tc.syslog)
		}
	}
}
