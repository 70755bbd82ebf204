package guard

import (
	"context"
	"log/slog"
	"strings"

	"github.com/sluice-ot/sluice/audit/syslog"
	"github.com/sluice-ot/sluice/guard/usbpolicy"
)

// Decisions beyond usbpolicy's actions: the outcome of media verification.
const (
	DecisionMediaAllowed = "media-allowed"
	DecisionMediaBlocked = "media-blocked"
)

// Record is one decision on one device, reported as one log record and
// one syslog message.
type Record struct {
	Device                      string // kernel name, e.g. 1-2.3
	VendorID, ProductID, Serial string
	Port                        string
	Classes                     []string // interface class triples, every configuration
	Trigger                     string   // start, add, change, rescan, media
	Decision                    string   // authorize, deny, verify-media, media-allowed, media-blocked
	Reason                      string
	// Authorized is what the device's authorized attribute holds after the
	// decision ("0" or "1"); Wrote says whether the guard wrote it now.
	Authorized string
	Wrote      bool
	Partitions []PartitionResult
}

func recordFor(d usbpolicy.Device, trigger string) Record {
	r := Record{Device: d.Name, VendorID: d.VendorID, ProductID: d.ProductID, Serial: d.Serial, Port: d.Port, Trigger: trigger}
	for _, i := range d.Interfaces {
		r.Classes = append(r.Classes, i.String())
	}
	return r
}

// reporter sends records to the log and, when configured, to syslog.
type reporter struct {
	log    *slog.Logger
	syslog *syslog.Forwarder // nil: none
}

func (rp *reporter) report(ctx context.Context, r Record) {
	attrs := []slog.Attr{
		slog.String("device", r.Device), slog.String("vid_pid", r.VendorID+":"+r.ProductID),
		slog.String("serial", r.Serial), slog.String("port", r.Port),
		slog.String("classes", strings.Join(r.Classes, " ")), slog.String("trigger", r.Trigger),
		slog.String("decision", r.Decision), slog.String("reason", r.Reason),
		slog.String("authorized", r.Authorized), slog.Bool("wrote", r.Wrote),
	}
	for _, p := range r.Partitions {
		attrs = append(attrs, slog.Group("partition_"+safeKey(p.Name), partitionAttrs(p)...))
	}
	level := slog.LevelInfo
	if r.Decision == usbpolicy.ActionDeny || r.Decision == DecisionMediaBlocked {
		level = slog.LevelWarn
	}
	rp.log.LogAttrs(ctx, level, "usb decision", attrs...)
	if rp.syslog != nil {
		rp.syslog.Send(syslogEvent(r))
	}
}

func partitionAttrs(p PartitionResult) []any {
	return []any{slog.String("fstype", p.FSType), slog.String("label", p.Label), slog.String("transfer", p.Transfer),
		slog.Bool("valid", p.Valid), slog.String("problems", strings.Join(p.Problems, "; "))}
}

// safeKey keeps a partition name usable as a log key.
func safeKey(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, strings.ToLower(s))
}

// syslogEvent renders r as an RFC 5424 message: MSGID USB, notice for a
// refusal, info otherwise.
func syslogEvent(r Record) syslog.Event {
	sev := syslog.SevInfo
	if r.Decision == usbpolicy.ActionDeny || r.Decision == DecisionMediaBlocked {
		sev = syslog.SevNotice
	}
	params := []syslog.Param{
		{Name: "device", Value: r.Device}, {Name: "vid_pid", Value: r.VendorID + ":" + r.ProductID},
		{Name: "serial", Value: r.Serial}, {Name: "port", Value: r.Port},
		{Name: "classes", Value: strings.Join(r.Classes, " ")}, {Name: "trigger", Value: r.Trigger},
		{Name: "decision", Value: r.Decision}, {Name: "reason", Value: r.Reason}, {Name: "authorized", Value: r.Authorized},
	}
	for _, p := range r.Partitions {
		v := "valid"
		if !p.Valid {
			v = "invalid: " + strings.Join(p.Problems, "; ")
		}
		params = append(params, syslog.Param{Name: "partition", Value: p.Name + " " + v})
	}
	return syslog.Event{MsgID: "USB", Severity: sev, Params: params,
		Msg: "usb " + r.Device + " " + r.VendorID + ":" + r.ProductID + " " + r.Decision + ": " + r.Reason}
}
