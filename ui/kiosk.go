// Package ui is the station's touchscreen, sluice-kiosk: fyne screens
// drawn from the view model in ui/model, fed by the station daemon's API.
// It is a client of the daemon only, and never touches a device or a file.
//
// The app is passed in; only cmd/sluice-kiosk imports fyne's app package.
// Daemon events reach widgets only through fyne.Do.
package ui

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/ui/catalog"
	"github.com/sluice-ot/sluice/ui/model"
)

// Client is what the touchscreen needs of the daemon; *api.Client is one.
// The rules list needs no admin token.
type Client interface {
	Status(ctx context.Context) (*api.Status, error)
	Events(ctx context.Context, fn func(typ string, data []byte) error) error
	Session(ctx context.Context, id string) (*api.SessionDetail, error)
	Sessions(ctx context.Context, limit int) ([]api.Session, error)
	Cancel(ctx context.Context, id string) error
	SetOperator(ctx context.Context, name string) error
	AdminLogin(ctx context.Context, pin, code string) (string, time.Time, error)
	AdminLogout(ctx context.Context, token string) error
	AdminWhoami(ctx context.Context, token string) (*api.AdminIdentity, error)
	RulesList(ctx context.Context) (*api.RulesList, error)
}

var _ Client = (*api.Client)(nil)

// Options tune the kiosk. Zero values take the defaults.
type Options struct {
	Log *slog.Logger
	// Language is the language shown at start: en, es, fr or de.
	Language string
	// AdminIdle logs the admin out after this long without a touch
	// (default 2m).
	AdminIdle time.Duration
	// Retry is the delay before reconnecting to the daemon (default 2s).
	Retry time.Duration
	// ResultHold is how long a result stays when the daemon does not keep
	// its session until the drive is removed (default 1m); see
	// model.Options. The next drive replaces it at once.
	ResultHold time.Duration
	// Poll is how often the status strip is refreshed (default 5s).
	Poll time.Duration
	Now  func() time.Time
}

// Kiosk is the touchscreen application.
type Kiosk struct {
	app  fyne.App
	win  fyne.Window
	c    Client
	opts Options
	log  *slog.Logger
	cat  *catalog.Catalog
	m    *model.Model

	// async runs a request to the daemon; tests make it synchronous.
	async func(func())
	// do brings work from the background onto fyne's goroutine: fyne.Do.
	// fyne's test driver runs it at once on the caller's goroutine, so
	// tests of Start make it take turns, as the GL driver's loop does.
	do  func(func())
	ctx context.Context

	last  model.View
	drawn bool
	scan  *scanScreen
}

// New builds the kiosk's window on a. Call Start to connect it.
func New(a fyne.App, c Client, opts Options) *Kiosk {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Retry <= 0 {
		opts.Retry = 2 * time.Second
	}
	if opts.Poll <= 0 {
		opts.Poll = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cat, err := catalog.New()
	if err != nil {
		// The files are embedded and tested: this cannot happen in a build
		// that passed its tests. Fall back on keys rather than die.
		opts.Log.Error("translations", "err", err)
	}
	// fyne's own lookups get the same files; see package catalog for why
	// the kiosk keeps its own localizers.
	if err := lang.AddTranslationsFS(catalog.Files, catalog.Dir); err != nil {
		opts.Log.Error("translations for fyne", "err", err)
	}
	a.Settings().SetTheme(newTheme())
	k := &Kiosk{
		app: a, c: c, opts: opts, log: opts.Log, cat: cat,
		m: model.New(model.Options{
			Language: opts.Language, AdminIdle: opts.AdminIdle,
			ResultHold: opts.ResultHold, Now: opts.Now,
		}),
		async: func(f func()) { go f() },
		do:    fyne.Do,
		ctx:   context.Background(),
	}
	k.win = a.NewWindow("Sluice")
	k.render()
	return k
}

// Window is the kiosk's window; the main makes it fullscreen and shows it.
func (k *Kiosk) Window() fyne.Window { return k.win }

// Start connects to the daemon and keeps the screen in step with it until
// ctx ends: the event stream (reconnected after Retry when it breaks), a
// status poll for the strip, and a clock for timeouts.
func (k *Kiosk) Start(ctx context.Context) {
	k.do(func() { k.ctx = ctx })
	go k.streamLoop(ctx)
	go k.pollLoop(ctx)
}

func (k *Kiosk) streamLoop(ctx context.Context) {
	for ctx.Err() == nil {
		err := k.c.Events(ctx, func(typ string, data []byte) error {
			k.do(func() { k.event(typ, data) })
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		k.log.Warn("event stream ended; reconnecting", "err", err, "retry", k.opts.Retry)
		// A broken stream alone is not the daemon gone: ask its status.
		k.pollOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(k.opts.Retry):
		}
	}
}

func (k *Kiosk) pollLoop(ctx context.Context) {
	poll := time.NewTicker(k.opts.Poll)
	defer poll.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
			k.pollOnce(ctx)
		case <-tick.C:
			k.do(func() { k.apply(k.m.Tick()) })
		}
	}
}

func (k *Kiosk) pollOnce(ctx context.Context) {
	st, err := k.c.Status(ctx)
	if ctx.Err() != nil {
		return
	}
	k.do(func() { k.status(st, err) })
}

// status applies a status answer.
func (k *Kiosk) status(st *api.Status, err error) {
	if err != nil {
		if !errors.Is(err, api.ErrUnreachable) {
			k.log.Warn("station status", "err", err)
		}
		k.m.Unreachable()
		k.render()
		return
	}
	k.apply(k.m.Status(st))
}

// event applies one event of the stream.
func (k *Kiosk) event(typ string, data []byte) {
	cmds, err := k.m.Event(typ, data)
	if err != nil {
		k.log.Warn("station event", "type", typ, "err", err)
	}
	k.apply(cmds)
}

// apply runs the model's requests to the daemon and redraws. It runs on
// fyne's goroutine; the requests run in the background and bring their
// answers back through fyne.Do (k.do).
func (k *Kiosk) apply(cmds []model.Cmd) {
	for _, c := range cmds {
		k.run(c)
	}
	k.render()
}

func (k *Kiosk) run(c model.Cmd) {
	ctx := k.ctx
	back := func(f func()) { k.do(func() { f(); k.render() }) }
	switch c := c.(type) {
	case model.FetchDetail:
		k.async(func() {
			d, err := k.c.Session(ctx, c.ID)
			if err != nil {
				k.log.Warn("session detail", "session", c.ID, "err", err)
			}
			back(func() { k.apply(k.m.Detail(d, err)) })
		})
	case model.CancelSession:
		k.async(func() {
			err := k.c.Cancel(ctx, c.ID)
			if err != nil {
				k.log.Warn("cancel session", "session", c.ID, "err", err)
			}
			back(func() { k.m.CancelDone(err) })
		})
	case model.SetOperator:
		k.async(func() {
			err := k.c.SetOperator(ctx, c.Name)
			if err != nil {
				k.log.Warn("set operator", "err", err)
			}
			back(func() { k.m.OperatorDone(c.Name, err) })
		})
	case model.AdminLogin:
		k.async(func() {
			tok, _, err := k.c.AdminLogin(ctx, c.PIN, c.Code)
			if err != nil {
				k.log.Warn("admin login", "err", err)
			}
			back(func() { k.apply(k.m.LoginDone(tok, err)) })
		})
	case model.AdminFetch:
		k.async(func() {
			rules, sessions, err := k.adminFetch(ctx, c.Token)
			if err != nil {
				k.log.Warn("admin data", "err", err)
			}
			back(func() { k.apply(k.m.AdminData(rules, sessions, err)) })
		})
	case model.AdminLogout:
		k.async(func() {
			if err := k.c.AdminLogout(ctx, c.Token); err != nil {
				k.log.Info("admin logout", "err", err)
			}
		})
	}
}

// adminFetch checks the token is alive (which also keeps it so), then
// reads the rules and the recent sessions.
func (k *Kiosk) adminFetch(ctx context.Context, token string) (*api.RulesList, []api.Session, error) {
	if _, err := k.c.AdminWhoami(ctx, token); err != nil {
		return nil, nil, err
	}
	rules, err := k.c.RulesList(ctx)
	if err != nil {
		return nil, nil, err
	}
	sessions, err := k.c.Sessions(ctx, model.RecentSessions())
	return rules, sessions, err
}

// render redraws what changed. A running scan's screen is updated in
// place, so that progress moves without the Cancel button being rebuilt
// under a finger.
func (k *Kiosk) render() {
	v := k.m.View()
	if k.drawn && reflect.DeepEqual(v, k.last) {
		return
	}
	if k.drawn && k.scan != nil && v.Screen == model.ScreenScanning && k.last.Screen == model.ScreenScanning &&
		v.Language == k.last.Language && v.Scan.Confirm == k.last.Scan.Confirm {
		k.scan.update(v.Scan)
		k.last = v
		return
	}
	k.scan = nil
	k.last, k.drawn = v, true
	c := k.build(v)
	k.win.SetContent(c)
	// Wrapped text learns its height only once the first layout gave it a
	// width, and fyne draws the rows of its text as first measured: one
	// refresh redraws them where they now belong.
	c.Refresh()
}

// tr puts a text in the shown language.
func (k *Kiosk) tr(t model.Text) string {
	if t.IsZero() {
		return ""
	}
	if k.cat == nil {
		return t.Key
	}
	return k.cat.Lookup(k.m.Language(), t.Key, t.N, t.Args)
}

// t is the words of a key with no arguments, in the shown language.
func (k *Kiosk) t(key string) string { return k.tr(model.T(key)) }
