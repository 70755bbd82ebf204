package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/sluice-ot/sluice/ui/catalog"
	"github.com/sluice-ot/sluice/ui/model"
)

// build draws a whole screen.
func (k *Kiosk) build(v model.View) fyne.CanvasObject {
	var body fyne.CanvasObject
	switch v.Screen {
	case model.ScreenNotReady:
		body = k.notReady(v)
	case model.ScreenIdle:
		body = k.idle(v)
	case model.ScreenOperator:
		body = k.operator(v)
	case model.ScreenScanning:
		k.scan = k.newScanScreen(v)
		body = k.scan.root
	case model.ScreenResult, model.ScreenError:
		body = k.end(v)
	case model.ScreenUpdating:
		body = k.update(v)
	case model.ScreenAdminLogin:
		body = k.login(v)
	case model.ScreenAdmin:
		body = k.adminScreen(v)
	}
	return container.NewPadded(container.NewPadded(body))
}

// centered stacks objects in the middle of the screen.
func centered(objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewCenter(container.NewVBox(objs...))
}

func heading(s string) *canvas.Text {
	t := text(s, 56, colNeutral, true)
	t.Alignment = fyne.TextAlignCenter
	return t
}

func line(s string, tone model.Tone) *canvas.Text {
	t := text(s, 28, toneColor(tone), false)
	t.Alignment = fyne.TextAlignCenter
	return t
}

func (k *Kiosk) notReady(v model.View) fyne.CanvasObject {
	return container.NewBorder(nil, k.languages(v), nil, nil, centered(
		banner(k.tr(v.NotReady.Title), model.ToneWarn),
		line(k.tr(v.NotReady.Line), model.ToneNeutral),
	))
}

func (k *Kiosk) idle(v model.View) fyne.CanvasObject {
	objs := []fyne.CanvasObject{heading(k.t("idle.title")), line(k.t("idle.line"), model.ToneNeutral)}
	if v.Operator != "" {
		objs = append(objs, line(k.tr(model.T("idle.operator").With("Name", model.Shorten(v.Operator, 40))), model.ToneNeutral))
	}
	if !v.Strip.Warning.IsZero() {
		objs = append(objs, line(k.tr(v.Strip.Warning), model.ToneBad))
	}
	return container.NewBorder(nil, k.stripBar(v), nil, nil, centered(objs...))
}

// stripBar is the station status strip: rules, destination, station id,
// the language switch, and the discreet admin control.
func (k *Kiosk) stripBar(v model.View) fyne.CanvasObject {
	s := v.Strip
	info := container.NewHBox(
		text(k.tr(s.Rules), 20, toneColor(s.RulesTone), true),
		text("·", 20, colNeutral, false),
		text(k.tr(s.Destination), 20, toneColor(s.DestTone), true),
		text("·", 20, colNeutral, false),
		text(k.tr(s.Station), 20, colNeutral, false),
	)
	adminBtn := widget.NewButtonWithIcon("", theme.SettingsIcon(), func() {
		k.m.AdminOpen()
		k.render()
	})
	adminBtn.Importance = widget.LowImportance
	return container.NewVBox(
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, container.New(minSize{fyne.NewSize(touchHeight, touchHeight)}, adminBtn),
			container.NewVBox(info, k.languages(v))),
	)
}

// languages is the language switch: each language by its own name.
func (k *Kiosk) languages(v model.View) fyne.CanvasObject {
	var btns []fyne.CanvasObject
	for _, l := range catalog.Languages {
		imp := widget.MediumImportance
		if l == v.Language {
			imp = widget.HighImportance
		}
		b := button(k.cat.Lookup(l, "lang.name", 0, nil), imp, func() {
			k.m.SetLanguage(l)
			k.render()
		})
		btns = append(btns, big(b, 160))
	}
	return container.NewHBox(btns...)
}

func (k *Kiosk) operator(v model.View) fyne.CanvasObject {
	p := v.Prompt
	rows := digitRows
	if p.Letters {
		rows = letterRows
	}
	input := text(p.Input+"▏", 40, colNeutral, true)
	input.Alignment = fyne.TextAlignCenter
	field := container.NewStack(canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)), input)
	typed := func(r rune) { k.m.OperatorKey(r); k.render() }
	del := button(k.t("button.delete"), widget.MediumImportance, func() { k.m.OperatorDelete(); k.render() })
	ok := button(k.t("button.ok"), widget.HighImportance, func() { k.apply(k.m.OperatorSubmit()) })
	if p.Sending || p.Input == "" {
		ok.Disable()
	}
	objs := []fyne.CanvasObject{heading(k.tr(p.Title)), big(field, 600)}
	if !p.Error.IsZero() {
		objs = append(objs, line(k.tr(p.Error), model.ToneBad))
	}
	objs = append(objs, keypad(rows, typed), container.NewCenter(container.NewHBox(big(del, 200), big(ok, 200))))
	return container.NewBorder(nil, k.stripBar(v), nil, nil, centered(objs...))
}

// end is the result or error screen of an ended session.
func (k *Kiosk) end(v model.View) fyne.CanvasObject {
	e := v.End
	var top []fyne.CanvasObject
	top = append(top, banner(k.tr(e.Title), e.Tone))
	for _, l := range e.Lines {
		top = append(top, line(k.tr(l), model.ToneNeutral))
	}
	if e.TransferID != "" {
		top = append(top, line(k.tr(model.T("result.transfer_id").With("ID", e.TransferID)), model.ToneNeutral))
	}
	advice := text(k.tr(e.Advice), 36, colNeutral, true)
	advice.Alignment = fyne.TextAlignCenter
	done := button(k.t("button.done"), widget.MediumImportance, func() { k.m.Dismiss(); k.render() })
	bottom := container.NewVBox(advice, container.NewCenter(big(done, 240)))

	var middle fyne.CanvasObject = layout.NewSpacer()
	switch {
	case e.Loading:
		middle = centered(line(k.t("result.loading"), model.ToneNeutral))
	case len(e.Files) > 0:
		rows := make([]fyne.CanvasObject, 0, len(e.Files)+1)
		for _, f := range e.Files {
			rows = append(rows, row(f.Name, k.tr(f.Why), f.Tone))
		}
		if e.FilesMore > 0 {
			rows = append(rows, line(k.tr(model.TN("result.more", e.FilesMore)), model.ToneNeutral))
		}
		title := text(k.t("result.files_title"), 24, colNeutral, true)
		middle = container.NewBorder(title, nil, nil, nil, scrollList(rows, nil))
	}
	return container.NewBorder(container.NewVBox(top...), bottom, nil, nil, middle)
}

func (k *Kiosk) update(v model.View) fyne.CanvasObject {
	u := v.Update
	top := container.NewVBox(banner(k.tr(u.Title), model.ToneNeutral))
	if u.Running {
		return container.NewBorder(top, nil, nil, nil, centered(line(k.t("update.wait"), model.ToneNeutral)))
	}
	var middle fyne.CanvasObject = layout.NewSpacer()
	switch {
	case u.Loading:
		middle = centered(line(k.t("result.loading"), model.ToneNeutral))
	case len(u.Bundles) > 0:
		var rows []fyne.CanvasObject
		for _, b := range u.Bundles {
			rows = append(rows, row(b.Name, k.tr(b.Result), b.Tone))
		}
		middle = scrollList(rows, k.m.AdminTouched)
	}
	advice := text(k.tr(u.Advice), 36, colNeutral, true)
	advice.Alignment = fyne.TextAlignCenter
	done := button(k.t("button.done"), widget.MediumImportance, func() { k.m.Dismiss(); k.render() })
	return container.NewBorder(top, container.NewVBox(advice, container.NewCenter(big(done, 240))), nil, nil, middle)
}
