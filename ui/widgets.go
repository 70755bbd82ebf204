package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/sluice-ot/sluice/ui/model"
)

// Sizes for gloved fingers: a touch target is at least 72 px high.
const (
	touchHeight = 72
	keySize     = 80
)

// Text sizes of the kiosk, as theme size names so that labels can take
// them: labels wrap and truncate, and canvas.Text does neither.
const (
	sizeHeading fyne.ThemeSizeName = "sluice-heading" // a screen's title
	sizeBanner  fyne.ThemeSizeName = "sluice-banner"  // a session's outcome
	sizeAdvice  fyne.ThemeSizeName = "sluice-advice"  // what to do now
	sizeLine    fyne.ThemeSizeName = "sluice-line"    // a line of explanation
	sizeStrip   fyne.ThemeSizeName = "sluice-strip"   // the status strip
)

// kioskTheme is fyne's light theme with larger text and padding, and the
// tone colours for labels: success, warning and error are the kiosk's
// green, amber and red, and text is a dark slate.
type kioskTheme struct{ fyne.Theme }

func newTheme() fyne.Theme { return kioskTheme{theme.DefaultTheme()} }

func (t kioskTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	// One variant only: a station's screen does not follow a desktop's
	// dark mode, and the goldens stay the same everywhere.
	switch n {
	case theme.ColorNameForeground:
		return colNeutral
	case theme.ColorNameSuccess:
		return colGood
	case theme.ColorNameWarning:
		return colWarn
	case theme.ColorNameError:
		return colBad
	}
	return t.Theme.Color(n, theme.VariantLight)
}

func (t kioskTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 22
	case theme.SizeNameHeadingText:
		return 40
	case theme.SizeNameSubHeadingText:
		return 28
	case theme.SizeNameInnerPadding:
		return 14
	case theme.SizeNamePadding:
		return 6
	case theme.SizeNameScrollBar:
		return 12
	case sizeHeading:
		return 52
	case sizeBanner:
		return 44
	case sizeAdvice:
		return 34
	case sizeLine:
		return 28
	case sizeStrip:
		return 20
	}
	return t.Theme.Size(n)
}

// compactTheme is the theme of a list's rows: less room around text, so
// that more rows show at once.
type compactTheme struct{ fyne.Theme }

func (t compactTheme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameInnerPadding {
		return 6
	}
	return t.Theme.Size(n)
}

// whiteText is the theme inside a coloured banner.
type whiteText struct{ fyne.Theme }

func (t whiteText) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameForeground {
		return colWhite
	}
	return t.Theme.Color(n, v)
}

// Tone colours, readable with white text on them.
var (
	colGood    = color.NRGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff}
	colWarn    = color.NRGBA{R: 0xb2, G: 0x6a, B: 0x00, A: 0xff}
	colBad     = color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
	colNeutral = color.NRGBA{R: 0x45, G: 0x5a, B: 0x64, A: 0xff}
	colWhite   = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
)

// toneColorName is a tone as a theme colour, for labels and rich text.
func toneColorName(t model.Tone) fyne.ThemeColorName {
	switch t {
	case model.ToneGood:
		return theme.ColorNameSuccess
	case model.ToneWarn:
		return theme.ColorNameWarning
	case model.ToneBad:
		return theme.ColorNameError
	}
	return theme.ColorNameForeground
}

func toneImportance(t model.Tone) widget.Importance {
	switch t {
	case model.ToneGood:
		return widget.SuccessImportance
	case model.ToneWarn:
		return widget.WarningImportance
	case model.ToneBad:
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

// words is text that wraps at word boundaries to the width it is given,
// so that no language's words push the window wider than the screen.
// It must sit where it gets a width (column, border, form), never in a
// container that shrinks it to its minimum, such as container.NewCenter.
func words(s string, size fyne.ThemeSizeName, tone model.Tone, bold bool) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = size
	l.Importance = toneImportance(tone)
	l.TextStyle.Bold = bold
	return l
}

// centeredWords is words, centred.
func centeredWords(s string, size fyne.ThemeSizeName, tone model.Tone, bold bool) *widget.Label {
	l := words(s, size, tone, bold)
	l.Alignment = fyne.TextAlignCenter
	return l
}

// oneLine is text on one line that ends in "…" when it does not fit:
// names from a drive, times, counts in a table.
func oneLine(s string, tone model.Tone, bold bool) *widget.Label {
	l := widget.NewLabel(s)
	l.Truncation = fyne.TextTruncateEllipsis
	l.Importance = toneImportance(tone)
	l.TextStyle.Bold = bold
	return l
}

// column lays objects out one under the other at the full width it is
// given (at most maxWidth, when set), the whole centred in its space.
// Unlike container.NewCenter it gives wrapped text a width to wrap to.
type column struct{ maxWidth float32 }

func (c column) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		if o.Visible() {
			s = s.Max(o.MinSize())
		}
	}
	return s
}

func (c column) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := size.Width
	if c.maxWidth > 0 {
		w = min(w, c.maxWidth)
	}
	for _, o := range objs {
		// Wrapped text knows its height once it has its width.
		o.Resize(fyne.NewSize(w, o.MinSize().Height))
		h := min(o.MinSize().Height, size.Height)
		o.Resize(fyne.NewSize(w, h))
		o.Move(fyne.NewPos((size.Width-w)/2, (size.Height-h)/2))
	}
}

// middle stacks objects in the middle of the screen, at its full width.
func middle(objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.New(column{}, container.NewVBox(objs...))
}

// banner is the big outcome: a coloured band with the title in white.
func banner(title string, tone model.Tone) fyne.CanvasObject {
	// The band takes the tone's colour from the theme, as labels do.
	bg := canvas.NewRectangle(newTheme().Color(toneColorName(tone), theme.VariantLight))
	bg.CornerRadius = 12
	t := centeredWords(title, sizeBanner, model.ToneNeutral, true)
	white := container.NewThemeOverride(t, whiteText{newTheme()})
	return container.NewStack(bg, container.NewPadded(white))
}

// minSize lays its objects out stacked, at least min big.
type minSize struct{ min fyne.Size }

func (m minSize) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := m.min
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

func (m minSize) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// button is a touch-sized button.
func button(label string, imp widget.Importance, tap func()) *widget.Button {
	b := widget.NewButton(label, tap)
	b.Importance = imp
	return b
}

// big gives o a touch-sized minimum.
func big(o fyne.CanvasObject, width float32) fyne.CanvasObject {
	return container.New(minSize{fyne.NewSize(width, touchHeight)}, o)
}

// scrollList is a list with explicit up and down buttons beside it:
// drag-to-scroll does not work in fyne's desktop builds, and a gloved
// finger cannot hit a scroll bar. touched is told of every scroll.
func scrollList(rows []fyne.CanvasObject, touched func()) fyne.CanvasObject {
	box := container.NewVBox(rows...)
	sc := container.NewVScroll(container.NewThemeOverride(box, compactTheme{newTheme()}))
	step := func(dir float32) func() {
		return func() {
			page := sc.Size().Height * 0.8
			y := sc.Offset.Y + dir*page
			y = max(0, min(y, box.MinSize().Height-sc.Size().Height))
			sc.ScrollToOffset(fyne.NewPos(0, y))
			if touched != nil {
				touched()
			}
		}
	}
	up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), step(-1))
	down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), step(1))
	buttons := container.NewVBox(
		container.New(minSize{fyne.NewSize(keySize, touchHeight)}, up),
		layout.NewSpacer(),
		container.New(minSize{fyne.NewSize(keySize, touchHeight)}, down),
	)
	return container.NewBorder(nil, nil, nil, buttons, sc)
}

// row is one line of a list: a label on the left and its value on the
// right, in the value's tone. The value takes the room it needs, up to
// 60% of the row, and wraps beyond; the label takes the rest, and ends in
// "…" (a file's name) or wraps (a setting's name).
func row(label, value string, tone model.Tone, wrapLabel bool) fyne.CanvasObject {
	var l *widget.Label
	if wrapLabel {
		l = words(label, theme.SizeNameText, model.ToneNeutral, false)
	} else {
		l = oneLine(label, model.ToneNeutral, false)
	}
	v := words(value, theme.SizeNameText, tone, true)
	v.Alignment = fyne.TextAlignTrailing
	th := newTheme()
	natural := fyne.MeasureText(value, th.Size(theme.SizeNameText), v.TextStyle).Width + 2*th.Size(theme.SizeNameInnerPadding) + 1
	return container.New(&rowLayout{value: natural}, l, v)
}

// rowLayout places a row's label and value side by side (see row).
type rowLayout struct{ value float32 }

func (r *rowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(objs[0].MinSize().Width+objs[1].MinSize().Width, max(objs[0].MinSize().Height, objs[1].MinSize().Height))
}

func (r *rowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	vw := min(r.value, size.Width*0.6)
	lw := size.Width - vw
	for i, w := range []float32{lw, vw} {
		objs[i].Resize(fyne.NewSize(w, objs[i].MinSize().Height))
	}
	h := max(objs[0].MinSize().Height, objs[1].MinSize().Height, size.Height)
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(lw, h))
	objs[1].Move(fyne.NewPos(lw, 0))
	objs[1].Resize(fyne.NewSize(vw, h))
}

// keypad is an on-screen keyboard of big keys; each tap types its label.
func keypad(rows [][]string, typed func(rune)) fyne.CanvasObject {
	var lines []fyne.CanvasObject
	for _, r := range rows {
		var keys []fyne.CanvasObject
		for _, k := range r {
			ch := []rune(k)[0]
			label := k
			if k == " " {
				label = "␣"
			}
			b := widget.NewButton(label, func() { typed(ch) })
			width := float32(keySize)
			if k == " " {
				width = keySize * 3
			}
			keys = append(keys, container.New(minSize{fyne.NewSize(width, keySize)}, b))
		}
		lines = append(lines, container.NewCenter(container.NewHBox(keys...)))
	}
	return container.NewVBox(lines...)
}

var (
	digitRows  = [][]string{{"1", "2", "3"}, {"4", "5", "6"}, {"7", "8", "9"}, {"0"}}
	letterRows = [][]string{
		{"Q", "W", "E", "R", "T", "Y", "U", "I", "O", "P"},
		{"A", "S", "D", "F", "G", "H", "J", "K", "L", "Ñ"},
		{"Z", "X", "C", "V", "B", "N", "M", "-", "'"},
		{"Ä", "Ö", "Ü", "ß", "É", "È", "Ç", " "},
	}
)
