package ui

import (
	"strings"

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

func heading(s string) *widget.Label {
	return centeredWords(s, sizeHeading, model.ToneNeutral, true)
}

func line(s string, tone model.Tone) *widget.Label {
	return centeredWords(s, sizeLine, tone, false)
}

func (k *Kiosk) notReady(v model.View) fyne.CanvasObject {
	return container.NewBorder(nil, k.languages(v), nil, nil, middle(
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
	return container.NewBorder(nil, k.stripBar(v), nil, nil, middle(objs...))
}

// stripBar is the station status strip: rules, destination, station id,
// the language switch, and the discreet admin control. The status is one
// text in several colours that wraps when a language needs the room.
func (k *Kiosk) stripBar(v model.View) fyne.CanvasObject {
	s := v.Strip
	part := func(t string, tone model.Tone, bold bool) widget.RichTextSegment {
		return &widget.TextSegment{Text: t, Style: widget.RichTextStyle{
			Inline: true, ColorName: toneColorName(tone), SizeName: sizeStrip, TextStyle: fyne.TextStyle{Bold: bold},
		}}
	}
	info := widget.NewRichText(
		part(k.tr(s.Rules), s.RulesTone, true),
		part("  ·  ", model.ToneNeutral, false),
		part(k.tr(s.Destination), s.DestTone, true),
		part("  ·  ", model.ToneNeutral, false),
		part(k.tr(s.Station), model.ToneNeutral, false),
	)
	info.Wrapping = fyne.TextWrapWord
	adminBtn := widget.NewButtonWithIcon("", theme.SettingsIcon(), func() {
		k.m.AdminOpen()
		k.render()
	})
	adminBtn.Importance = widget.LowImportance
	return container.NewVBox(
		widget.NewSeparator(),
		info,
		container.NewBorder(nil, nil, nil, container.New(minSize{fyne.NewSize(touchHeight, touchHeight)}, adminBtn), k.languages(v)),
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
	input := centeredWords(p.Input+"▏", theme.SizeNameHeadingText, model.ToneNeutral, true)
	input.Wrapping, input.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	field := container.NewStack(canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)), input)
	typed := func(r rune) { k.m.OperatorKey(r); k.render() }
	del := button(k.t("button.delete"), widget.MediumImportance, func() { k.m.OperatorDelete(); k.render() })
	ok := button(k.t("button.ok"), widget.HighImportance, func() { k.apply(k.m.OperatorSubmit()) })
	if p.Sending || p.Input == "" {
		ok.Disable()
	}
	title := heading(k.tr(p.Title))
	title.SizeName = theme.SizeNameHeadingText // the keyboard needs the room
	objs := []fyne.CanvasObject{title, container.New(column{maxWidth: 600}, big(field, 0))}
	if !p.Error.IsZero() {
		objs = append(objs, line(k.tr(p.Error), model.ToneBad))
	}
	objs = append(objs, keypad(rows, typed), container.NewCenter(container.NewHBox(big(del, 200), big(ok, 200))))
	return container.NewBorder(nil, k.stripBar(v), nil, nil, middle(objs...))
}

// end is the result or error screen of an ended session.
func (k *Kiosk) end(v model.View) fyne.CanvasObject {
	e := v.End
	// The lines go in one label, so that they read as one paragraph.
	var lines []string
	for _, l := range e.Lines {
		lines = append(lines, k.tr(l))
	}
	if e.TransferID != "" {
		lines = append(lines, k.tr(model.T("result.transfer_id").With("ID", e.TransferID)))
	}
	top := []fyne.CanvasObject{banner(k.tr(e.Title), e.Tone), line(strings.Join(lines, "\n"), model.ToneNeutral)}

	var list fyne.CanvasObject = layout.NewSpacer()
	switch {
	case e.Loading:
		list = middle(line(k.t("result.loading"), model.ToneNeutral))
	case len(e.Files) > 0:
		rows := make([]fyne.CanvasObject, 0, len(e.Files)+1)
		for _, f := range e.Files {
			rows = append(rows, row(f.Name, k.tr(f.Why), f.Tone, false))
		}
		if e.FilesMore > 0 {
			rows = append(rows, line(k.tr(model.TN("result.more", e.FilesMore)), model.ToneNeutral))
		}
		title := oneLine(k.t("result.files_title"), model.ToneNeutral, true)
		list = container.NewBorder(title, nil, nil, nil, scrollList(rows, nil))
	}
	return container.NewBorder(container.NewVBox(top...), k.doneBar(e.Advice), nil, nil, list)
}

// doneBar is the foot of an ended session's screen: what to do now, and
// the Done button that takes the screen away.
func (k *Kiosk) doneBar(advice model.Text) fyne.CanvasObject {
	a := centeredWords(k.tr(advice), sizeAdvice, model.ToneNeutral, true)
	done := button(k.t("button.done"), widget.MediumImportance, func() { k.m.Dismiss(); k.render() })
	return container.NewVBox(a, container.NewCenter(big(done, 240)))
}

func (k *Kiosk) update(v model.View) fyne.CanvasObject {
	u := v.Update
	top := container.NewVBox(banner(k.tr(u.Title), model.ToneNeutral))
	if u.Running {
		return container.NewBorder(top, nil, nil, nil, middle(line(k.t("update.wait"), model.ToneNeutral)))
	}
	var list fyne.CanvasObject = layout.NewSpacer()
	switch {
	case u.Loading:
		list = middle(line(k.t("result.loading"), model.ToneNeutral))
	case len(u.Bundles) > 0:
		var rows []fyne.CanvasObject
		for _, b := range u.Bundles {
			rows = append(rows, row(b.Name, k.tr(b.Result), b.Tone, false))
		}
		list = scrollList(rows, k.m.AdminTouched)
	}
	return container.NewBorder(top, k.doneBar(u.Advice), nil, nil, list)
}
