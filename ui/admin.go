package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
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
	field := centeredWords(shown+" ", theme.SizeNameHeadingText, model.ToneNeutral, true)
	field.Wrapping = fyne.TextWrapOff
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
	title := heading(k.t("login.title"))
	title.SizeName = theme.SizeNameHeadingText
	objs := []fyne.CanvasObject{title, line(k.tr(l.Step), model.ToneNeutral), container.New(column{maxWidth: 480}, big(box, 0))}
	if !l.Error.IsZero() {
		objs = append(objs, line(k.tr(l.Error), model.ToneBad))
	}
	objs = append(objs, keypad(digitRows, typed),
		container.NewCenter(container.NewHBox(big(back, 200), big(del, 200), big(next, 200))))
	return middle(objs...)
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
	title := oneLine(k.t("admin.title"), model.ToneNeutral, true)
	title.SizeName = theme.SizeNameHeadingText
	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(big(refresh, 200), big(logout, 200)), title),
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
				oneLine(s.Time, model.ToneNeutral, false),
				oneLine(k.tr(s.Outcome), s.Tone, true),
				oneLine(k.tr(s.Counts), model.ToneNeutral, false),
				oneLine(op, model.ToneNeutral, false)))
		}
	}
	return container.NewBorder(top, nil, nil, nil, scrollList(rows, k.m.AdminTouched))
}

func (k *Kiosk) lines(ls []model.Line) []fyne.CanvasObject {
	out := make([]fyne.CanvasObject, 0, len(ls))
	for _, l := range ls {
		out = append(out, row(k.tr(l.Label), k.tr(l.Value), l.Tone, true))
	}
	return out
}
