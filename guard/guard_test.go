package guard

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-ot/sluice/guard/uevent"
)

// writes counts, per device, the records in which the guard wrote
// `authorized`, and the decisions reported.
func writes(recs []rec) (wrote map[string]int, decisions map[string][]string) {
	wrote, decisions = map[string]int{}, map[string][]string{}
	for _, r := range recs {
		if r.msg != "usb decision" {
			continue
		}
		d := r.attrs["device"]
		decisions[d] = append(decisions[d], r.attrs["decision"])
		if r.attrs["wrote"] == "true" {
			wrote[d]++
		}
	}
	return wrote, decisions
}

func count(recs []rec, msg string) int {
	n := 0
	for _, r := range recs {
		if r.msg == msg {
			n++
		}
	}
	return n
}

// TestStartup: devices present when the guard starts are judged by the
// same policy, controllers are set to authorize nothing by default, and a
// keyboard present at boot is kept.
func TestStartup(t *testing.T) {
	root := writeSysfs(t, rootHub1, rootHub2, bootKeyboard, modem, composite, hub, behindHub)
	tg := newTestGuard(t, testConfig(t, root), map[string][]string{"2-1.3": {"/dev/sdz"}},
		map[string]MediaResult{"/dev/sdz": {Allowed: true, Reason: "valid transfer"}})
	tg.start(t)
	tg.log.waitFor(t, 0, decisionFor("2-1.3", DecisionMediaAllowed))

	for _, c := range []string{"usb1", "usb2"} {
		if got := attr(t, root, c, "authorized_default"); got != "0" {
			t.Errorf("%s authorized_default = %s, want 0", c, got)
		}
	}
	want := map[string]string{"usb1": "1", "usb2": "1", "2-2": "1", "1-5": "0", "1-3": "0", "2-1": "1", "2-1.3": "1"}
	for name, w := range want {
		if got := attr(t, root, name, "authorized"); got != w {
			t.Errorf("%s authorized = %s, want %s", name, got, w)
		}
	}
	wrote, decisions := writes(tg.log.all())
	if diff := cmp.Diff(map[string]int{"2-2": 1, "2-1": 1, "2-1.3": 1}, wrote); diff != "" {
		t.Errorf("writes to authorized (-want +got):\n%s", diff)
	}
	wantDec := map[string][]string{
		"usb1": {"authorize"}, "usb2": {"authorize"}, "2-2": {"authorize"}, "1-5": {"deny"}, "1-3": {"deny"},
		"2-1": {"authorize"}, "2-1.3": {"verify-media", "media-allowed"},
	}
	if diff := cmp.Diff(wantDec, decisions); diff != "" {
		t.Errorf("decisions (-want +got):\n%s", diff)
	}
	r, _ := tg.log.waitFor(t, 0, decisionFor("2-2", ""))
	if !strings.Contains(r.attrs["reason"], "keep_present_input") || r.attrs["vid_pid"] != "413c:2113" || r.attrs["port"] != "2-2" ||
		r.attrs["classes"] != "03/01/01" || r.attrs["trigger"] != "start" {
		t.Errorf("boot keyboard record = %v", r.attrs)
	}
	r, _ = tg.log.waitFor(t, 0, decisionFor("1-3", ""))
	if !strings.Contains(r.attrs["reason"], "BadUSB") || r.attrs["serial"] != "EVIL01" {
		t.Errorf("composite record = %v", r.attrs)
	}

	// A clean stop releases the exposure and deauthorizes the storage.
	tg.shutdownAndWait(t)
	if got := attr(t, root, "2-1.3", "authorized"); got != "0" {
		t.Errorf("after stop, 2-1.3 authorized = %s, want 0", got)
	}
	if _, released := tg.media.snapshot(); !cmp.Equal(released, []string{"/dev/sdz"}) {
		t.Errorf("released = %v, want /dev/sdz", released)
	}
	if got := attr(t, root, "2-2", "authorized"); got != "1" {
		t.Errorf("after stop, boot keyboard authorized = %s, want 1 (kept)", got)
	}
}

// TestEvents plugs the devices in one by one while the kernel
// answers every write with its change event: each device is judged once,
// each write is echoed once and the echo is dropped, never judged again.
func TestEvents(t *testing.T) {
	root := writeSysfs(t, rootHub1, rootHub2, hub)
	cfg := testConfig(t, root)
	cfg.AllowHID = []HIDMatch{{VID: "04D9", PID: "1603", Serial: "M1"}}
	tg := newTestGuard(t, cfg,
		map[string][]string{"1-1": {"/dev/sdb"}, "2-1.3": {"/dev/sdc"}},
		map[string]MediaResult{
			"/dev/sdb": {Allowed: true, Reason: "valid transfer", Partitions: []PartitionResult{{Name: "sdb1", Label: "DATA", Valid: true}}},
			"/dev/sdc": {Reason: "sdc1: unsigned", Partitions: []PartitionResult{{Name: "sdc1", Problems: []string{"unsigned"}}}},
		})
	plugged := []usbDev{stick, keyboard, composite, modem, behindHub, allowedMouse}
	tg.kernelEchoes(append(plugged, rootHub1, rootHub2, hub)...)
	tg.start(t)
	tg.sync(t, 0) // the echo of the hub's authorization at start included
	startRecs := len(tg.log.all())

	for _, u := range plugged {
		plug(t, root, u)
		tg.src.ch <- usbEvent(uevent.ActionAdd, u)
	}
	_, next := tg.log.waitFor(t, startRecs, decisionFor("1-1", DecisionMediaAllowed))
	tg.log.waitFor(t, startRecs, decisionFor("2-1.3", DecisionMediaBlocked))
	next = tg.sync(t, next)

	want := map[string]string{"1-1": "1", "1-2": "0", "1-3": "0", "1-5": "0", "2-1.3": "0", "1-8": "1"}
	for name, w := range want {
		if got := attr(t, root, name, "authorized"); got != w {
			t.Errorf("%s authorized = %s, want %s", name, got, w)
		}
	}
	recs := tg.log.all()[startRecs:]
	wrote, decisions := writes(recs)
	delete(decisions, "usb1") // sync's sentinels
	if diff := cmp.Diff(map[string]int{"1-1": 1, "2-1.3": 2, "1-8": 1}, wrote); diff != "" {
		t.Errorf("writes to authorized (-want +got):\n%s", diff)
	}
	wantDec := map[string][]string{
		"1-1": {"verify-media", "media-allowed"}, "1-2": {"deny"}, "1-3": {"deny"}, "1-5": {"deny"},
		"2-1.3": {"verify-media", "media-blocked"}, "1-8": {"authorize"},
	}
	if diff := cmp.Diff(wantDec, decisions); diff != "" {
		t.Errorf("decisions (-want +got):\n%s", diff)
	}
	if n := count(recs, "change event is the echo of the guard's own write"); n != 4 {
		t.Errorf("%d echoes dropped, want 4 (one per write)\n%s", n, tg.log.dump())
	}
	r, _ := tg.log.waitFor(t, startRecs, decisionFor("2-1.3", DecisionMediaBlocked))
	if !strings.Contains(r.attrs["reason"], "unsigned") || r.attrs["authorized"] != "0" || r.attrs["partition_sdc1"] == "" {
		t.Errorf("media-blocked record = %v", r.attrs)
	}
	if attached, _ := tg.media.snapshot(); !cmp.Equal(attached, []string{"/dev/sdb", "/dev/sdc"}) && !cmp.Equal(attached, []string{"/dev/sdc", "/dev/sdb"}) {
		t.Errorf("attached = %v", attached)
	}

	// Someone else authorizes the keyboard: that change is not the guard's
	// own, so the keyboard is judged again and refused again, once.
	writeFile(t, filepath.Join(root, "bus", "usb", "devices", "1-2", "authorized"), "1\n")
	tg.src.ch <- usbEvent(uevent.ActionChange, keyboard)
	r, _ = tg.log.waitFor(t, next, decisionFor("1-2", ""))
	if r.attrs["decision"] != "deny" || r.attrs["wrote"] != "true" || r.attrs["trigger"] != "change" {
		t.Errorf("re-judged keyboard = %v", r.attrs)
	}
	next = tg.sync(t, next)
	if got := attr(t, root, "1-2", "authorized"); got != "0" {
		t.Errorf("1-2 authorized = %s, want 0", got)
	}

	// The stick leaves: its exposure is released.
	unplug(t, root, stick)
	tg.src.ch <- usbEvent(uevent.ActionRemove, stick)
	tg.sync(t, next)
	if _, released := tg.media.snapshot(); !cmp.Equal(released, []string{"/dev/sdb"}) {
		t.Errorf("released = %v, want /dev/sdb", released)
	}
}

// TestEventsDuringScanQueued: an event that arrives after the source is
// open but before the present devices are judged is handled after them,
// not lost.
func TestEventsDuringScanQueued(t *testing.T) {
	root := writeSysfs(t, rootHub1, rootHub2)
	tg := newTestGuard(t, testConfig(t, root), nil, nil)
	tg.afterList = func() {
		// The modem arrives while the guard is between listing and judging.
		<-tg.src.started
		plug(t, root, modem)
		tg.src.ch <- usbEvent(uevent.ActionAdd, modem)
	}
	tg.start(t)
	_, afterScan := tg.log.waitFor(t, 0, msgIs("initial scan done"))
	r, _ := tg.log.waitFor(t, afterScan, decisionFor("1-5", ""))
	if r.attrs["decision"] != "deny" || r.attrs["trigger"] != "add" {
		t.Errorf("modem plugged during the scan = %v", r.attrs)
	}
}

// TestPresentAtBootOnly: after a restart in the same boot, a keyboard
// attached meanwhile is not "present at boot"; the one that was stays
// kept, but not once it is unplugged and plugged in again.
func TestPresentAtBootOnly(t *testing.T) {
	root := writeSysfs(t, rootHub1, rootHub2, bootKeyboard)
	cfg := testConfig(t, root)
	tg := newTestGuard(t, cfg, nil, nil)
	tg.start(t)
	tg.shutdownAndWait(t)
	if got := attr(t, root, "2-2", "authorized"); got != "1" {
		t.Fatalf("boot keyboard authorized = %s, want 1", got)
	}

	plug(t, root, keyboard)
	tg2 := newTestGuard(t, cfg, nil, nil)
	tg2.start(t)
	if got := attr(t, root, "1-2", "authorized"); got != "0" {
		t.Errorf("keyboard plugged while the guard was down: authorized = %s, want 0", got)
	}
	if got := attr(t, root, "2-2", "authorized"); got != "1" {
		t.Errorf("boot keyboard after restart: authorized = %s, want 1", got)
	}

	unplug(t, root, bootKeyboard)
	tg2.src.ch <- usbEvent(uevent.ActionRemove, bootKeyboard)
	again := bootKeyboard
	again.devnum = 9
	plug(t, root, again)
	tg2.src.ch <- usbEvent(uevent.ActionAdd, again)
	tg2.sync(t, 0)
	if got := attr(t, root, "2-2", "authorized"); got != "0" {
		t.Errorf("boot keyboard plugged in again: authorized = %s, want 0", got)
	}
}

// TestInvalidMediaKeptAuthorized: with deauthorize_invalid off, refused
// media stays authorized but is never exposed.
func TestInvalidMediaKeptAuthorized(t *testing.T) {
	root := writeSysfs(t, rootHub1, rootHub2, stick)
	cfg := testConfig(t, root)
	cfg.DeauthorizeInvalid = false
	tg := newTestGuard(t, cfg, map[string][]string{"1-1": {"/dev/sdb"}},
		map[string]MediaResult{"/dev/sdb": {Reason: "sdb1: expired"}})
	tg.start(t)
	r, _ := tg.log.waitFor(t, 0, decisionFor("1-1", DecisionMediaBlocked))
	if r.attrs["authorized"] != "1" || !strings.Contains(r.attrs["reason"], "deauthorize_invalid is off") {
		t.Errorf("record = %v", r.attrs)
	}
	if got := attr(t, root, "1-1", "authorized"); got != "1" {
		t.Errorf("authorized = %s, want 1", got)
	}
}

// TestNoBlockDevice: storage whose block device never appears is
// refused when media_timeout passes.
func TestNoBlockDevice(t *testing.T) {
	root := writeSysfs(t, rootHub1, rootHub2, stick)
	tg := newTestGuard(t, testConfig(t, root), nil, nil)
	tg.start(t)
	r, _ := tg.log.waitFor(t, 0, decisionFor("1-1", DecisionMediaBlocked))
	if !strings.Contains(r.attrs["reason"], "no block device") || attr(t, root, "1-1", "authorized") != "0" {
		t.Errorf("record = %v", r.attrs)
	}
}

// TestVerifyDisks: a device is allowed only when it has a disk and every
// disk is allowed, and no disk is exposed before all are judged: a good
// disk beside a bad one is released without ever being exposed.
func TestVerifyDisks(t *testing.T) {
	for _, tt := range []struct {
		disks []string
		want  bool
	}{{nil, false}, {[]string{"/dev/good"}, true}, {[]string{"/dev/good", "/dev/bad"}, false}, {[]string{"/dev/bad"}, false}} {
		m := &fakeMedia{results: map[string]MediaResult{"/dev/good": {Allowed: true, Reason: "ok"}, "/dev/bad": {Reason: "unsigned"}}}
		releases, res := verifyDisks(t.Context(), m, tt.disks)
		if res.Allowed != tt.want {
			t.Errorf("verifyDisks(%v) allowed = %v, want %v (%s)", tt.disks, res.Allowed, tt.want, res.Reason)
		}
		if wantExposed := tt.want; (len(m.exposed) > 0) != wantExposed {
			t.Errorf("verifyDisks(%v) exposed %v; want exposure only when allowed", tt.disks, m.exposed)
		}
		for _, r := range releases {
			r()
		}
		m.mu.Lock()
		held := 0
		for _, d := range tt.disks {
			if d == "/dev/good" {
				held++
			}
		}
		if len(m.released) != held {
			t.Errorf("verifyDisks(%v): %d of %d held disks released through its releases", tt.disks, len(m.released), held)
		}
		m.mu.Unlock()
	}
	if _, res := verifyDisks(t.Context(), noMedia{}, []string{"/dev/good"}); res.Allowed || !strings.Contains(res.Reason, "not available") {
		t.Errorf("noMedia verdict = %+v", res)
	}
}
