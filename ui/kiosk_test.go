package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/sluice-ot/sluice/kiosk/api"
)

var update = flag.Bool("update", false, "rewrite the golden renderings in testdata/")

// fakeClient answers as the daemon would, and records what it was asked.
type fakeClient struct {
	status    *api.Status
	detail    *api.SessionDetail
	sessions  []api.Session
	rules     *api.RulesList
	loginErr  error
	cancelled []string
	operators []string
	logins    [][2]string
	logouts   []string
}

func (f *fakeClient) Status(context.Context) (*api.Status, error) { return f.status, nil }
func (f *fakeClient) Events(ctx context.Context, fn func(string, []byte) error) error {
	return api.ErrUnreachable
}
func (f *fakeClient) Session(_ context.Context, id string) (*api.SessionDetail, error) {
	return f.detail, nil
}
func (f *fakeClient) Sessions(context.Context, int) ([]api.Session, error) { return f.sessions, nil }
func (f *fakeClient) Cancel(_ context.Context, id string) error {
	f.cancelled = append(f.cancelled, id)
	return nil
}
func (f *fakeClient) SetOperator(_ context.Context, name string) error {
	f.operators = append(f.operators, name)
	return nil
}
func (f *fakeClient) AdminLogin(_ context.Context, pin, code string) (string, time.Time, error) {
	f.logins = append(f.logins, [2]string{pin, code})
	if f.loginErr != nil {
		return "", time.Time{}, f.loginErr
	}
	return "tok", time.Time{}, nil
}
func (f *fakeClient) AdminLogout(_ context.Context, token string) error {
	f.logouts = append(f.logouts, token)
	return nil
}
func (f *fakeClient) AdminWhoami(context.Context, string) (*api.AdminIdentity, error) {
	return &api.AdminIdentity{Admin: true, Via: "token"}, nil
}
func (f *fakeClient) RulesList(context.Context) (*api.RulesList, error) { return f.rules, nil }

var t0 = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

const sid = "20261126T093000Z-1a2b3c4d"

func idleStatus() *api.Status {
	return &api.Status{
		StationID: "gate-1", Version: "1.4.0", State: "idle",
		Rules:       api.Rules{Name: "plant", Version: "12", Count: 214, Created: t0.Add(-72 * time.Hour), AgeDays: 3},
		Destination: api.Destination{Path: "/srv/transfer", OK: true, FreeBytes: 412e9, TotalBytes: 500e9},
	}
}

// screen1280 is the station's screen.
var screen1280 = fyne.NewSize(1280, 800)

// newKiosk is a kiosk on a headless test app of the given screen size
// (the goldens are 1280x800), at a fixed time, whose requests to the
// daemon run at once.
func newKiosk(t *testing.T, f *fakeClient, size fyne.Size) *Kiosk {
	t.Helper()
	a := test.NewTempApp(t)
	k := New(a, f, Options{Now: func() time.Time { return t0 }, Language: "en"})
	k.async = func(fn func()) { fn() }
	k.win.Resize(size)
	return k
}

func (k *Kiosk) testEvent(t *testing.T, typ string, s api.Session) {
	t.Helper()
	data, err := json.Marshal(api.Event{Type: typ, Session: &s})
	if err != nil {
		t.Fatal(err)
	}
	k.event(typ, data)
}

// golden compares the window with testdata/<name>.xml (the markup) and
// testdata/<name>.png (the picture); -update rewrites both.
func golden(t *testing.T, k *Kiosk, name string) {
	t.Helper()
	c := k.win.Canvas()
	markup := test.RenderToMarkup(c)
	img := c.Capture()
	xmlPath := filepath.Join("testdata", name+".xml")
	pngPath := filepath.Join("testdata", name+".png")
	if *update {
		if err := os.WriteFile(xmlPath, []byte(markup), 0o644); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pngPath, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(xmlPath)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != markup {
		t.Errorf("%s: the rendering differs from %s (go test -update rewrites it)", name, xmlPath)
	}
	test.AssertImageMatches(t, name+".png", img)
}

// buttonWithText finds a button on the screen by its label.
func buttonWithText(t *testing.T, k *Kiosk, label string) *widget.Button {
	t.Helper()
	for _, o := range test.LaidOutObjects(k.win.Content()) {
		if b, ok := o.(*widget.Button); ok && b.Text == label && b.Visible() {
			return b
		}
	}
	t.Fatalf("no button %q on the %s screen", label, k.last.Screen)
	return nil
}

func adminButton(t *testing.T, k *Kiosk) *widget.Button {
	t.Helper()
	for _, o := range test.LaidOutObjects(k.win.Content()) {
		if b, ok := o.(*widget.Button); ok && b.Text == "" && b.Icon == theme.SettingsIcon() {
			return b
		}
	}
	t.Fatal("no admin control")
	return nil
}

func hasText(k *Kiosk, s string) bool {
	for _, o := range test.LaidOutObjects(k.win.Content()) {
		switch o := o.(type) {
		case *widget.Label:
			if o.Text == s {
				return true
			}
		case *widget.RichText:
			for _, seg := range o.Segments {
				if seg.Textual() == s {
					return true
				}
			}
		case *canvas.Text:
			if o.Text == s {
				return true
			}
		}
	}
	return false
}

func hasTextContaining(k *Kiosk, s string) bool {
	for _, o := range test.LaidOutObjects(k.win.Content()) {
		switch o := o.(type) {
		case *widget.Label:
			if strings.Contains(o.Text, s) {
				return true
			}
		case *widget.RichText:
			if strings.Contains(o.String(), s) {
				return true
			}
		case *canvas.Text:
			if strings.Contains(o.Text, s) {
				return true
			}
		}
	}
	return false
}

func tapKeys(t *testing.T, k *Kiosk, keys string) {
	t.Helper()
	for _, r := range keys {
		test.Tap(buttonWithText(t, k, string(r)))
	}
}
