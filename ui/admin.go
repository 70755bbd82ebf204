package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/sluice-ot/sluice/ui/model"
)

func (k *Kiosk) login(v model.View) fyne.CanvasObject {
	l := v.Login
	shown := l.Masked
	if l.CodeNow {
		shown = strings.Repeat("_", max(0, 6-len(l.Masked)))
		shown = l.Masked + shown
	}
	field := text(shown+" ", 40, colNeutral, true)
	field.Alignment = fyne.TextAlignCenter
	box := container.NewStack(canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)), field)
	typed := func(r rune) { k.m.AdminKey(r); k.render() }
	back := button(k.t("button.back"), widget.MediumImportance, func() { k.m.AdminBack(); k.render() })
	del := button(k.t("button.delete"), widget.MediumImportance, func() { k.m.AdminDelete(); k.render() })
	nextLabel := k.t("button.next")
	if l.CodeNow {
		nextLabel = k.t("button.login")
	}
	next := button(nextLabel, widget.HighImportance, func() { k.apply(k.m.AdminNext()) })
	if l.Sending {
		next.Disable()
	}
	objs := []fyne.CanvasObject{heading(k.t("login.title")), line(k.tr(l.Step), model.ToneNeutral), big(box, 480)}
	if !l.Error.IsZero() {
		objs = append(objs, line(k.tr(l.Error), model.ToneBad))
	}
	objs = append(objs, keypad(digitRows, typed),
		container.NewCenter(container.NewHBox(big(back, 200), big(del, 200), big(next, 200))))
	return centered(objs...)
}

func (k *Kiosk) adminScreen(v model.View) fyne.CanvasObject {
	a := v.Admin
	tab := func(label string, t model.AdminTab) fyne.CanvasObject {
		imp := widget.MediumImportance
		if a.Tab == t {
			imp = widget.HighImportance
		}
		return big(button(label, imp, func() { k.m.AdminShowTab(t); k.render() }), 220)
	}
	logout := button(k.t("button.logout"), widget.DangerImportance, func() { k.apply(k.m.AdminLogoutTap()) })
	refresh := button(k.t("button.refresh"), widget.MediumImportance, func() { k.apply(k.m.AdminRefresh()) })
	top := container.NewVBox(
		container.NewHBox(text(k.t("admin.title"), 40, colNeutral, true), layout.NewSpacer(), big(refresh, 200), big(logout, 200)),
		container.NewHBox(tab(k.t("admin.tab.rules"), model.TabRules), tab(k.t("admin.tab.sessions"), model.TabSessions), tab(k.t("admin.tab.station"), model.TabStation)),
		widget.NewSeparator(),
	)
	var rows []fyne.CanvasObject
	switch {
	case a.Loading:
		rows = append(rows, line(k.t("admin.loading"), model.ToneNeutral))
	case !a.Error.IsZero():
		rows = append(rows, line(k.tr(a.Error), model.ToneBad))
	}
	switch a.Tab {
	case model.TabRules:
		rows = append(rows, k.lines(a.Rules)...)
	case model.TabStation:
		rows = append(rows, k.lines(a.Station)...)
	case model.TabSessions:
		if len(a.Sessions) == 0 && !a.Loading {
			rows = append(rows, line(k.t("admin.sessions.empty"), model.ToneNeutral))
		}
		for _, s := range a.Sessions {
			op := s.Operator
			if op == "" {
				op = "-"
			}
			rows = append(rows, container.NewGridWithColumns(4,
				text(s.Time, 22, colNeutral, false),
				text(k.tr(s.Outcome), 22, toneColor(s.Tone), true),
				text(k.tr(s.Counts), 22, colNeutral, false),
				text(op, 22, colNeutral, false)))
		}
	}
	return container.NewBorder(top, nil, nil, nil, scrollList(rows, k.m.AdminTouched))
}

func (k *Kiosk) lines(ls []model.Line) []fyne.CanvasObject {
	out := make([]fyne.CanvasObject, 0, len(ls))
	for _, l := range ls {
		out = append(out, row(k.tr(l.Label), k.tr(l.Value), l.Tone))
	}
	return out
}
