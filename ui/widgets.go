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

// kioskTheme is fyne's light theme with larger text and padding.
type kioskTheme struct{ fyne.Theme }

func newTheme() fyne.Theme { return kioskTheme{theme.DefaultTheme()} }

func (t kioskTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	// One variant only: a station's screen does not follow a desktop's
	// dark mode, and the goldens stay the same everywhere.
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
	}
	return t.Theme.Size(n)
}

// Tone colours, readable with white text on them.
var (
	colGood    = color.NRGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff}
	colWarn    = color.NRGBA{R: 0xb2, G: 0x6a, B: 0x00, A: 0xff}
	colBad     = color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
	colNeutral = color.NRGBA{R: 0x45, G: 0x5a, B: 0x64, A: 0xff}
	colWhite   = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
)

func toneColor(t model.Tone) color.Color {
	switch t {
	case model.ToneGood:
		return colGood
	case model.ToneWarn:
		return colWarn
	case model.ToneBad:
		return colBad
	}
	return colNeutral
}

// text is a label of a given size and colour.
func text(s string, size float32, c color.Color, bold bool) *canvas.Text {
	t := canvas.NewText(s, c)
	t.TextSize = size
	t.TextStyle.Bold = bold
	return t
}

// banner is the big outcome: a coloured band with the title in white.
func banner(title string, tone model.Tone) fyne.CanvasObject {
	bg := canvas.NewRectangle(toneColor(tone))
	bg.CornerRadius = 12
	t := text(title, 48, colWhite, true)
	t.Alignment = fyne.TextAlignCenter
	return container.NewStack(bg, container.NewPadded(container.NewPadded(t)))
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
	sc := container.NewVScroll(box)
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
		container.New(minSize{fyne.NewSize(keySize, keySize)}, up),
		layout.NewSpacer(),
		container.New(minSize{fyne.NewSize(keySize, keySize)}, down),
	)
	return container.NewBorder(nil, nil, nil, buttons, sc)
}

// row is one line of a list: a label and its value.
func row(label, value string, tone model.Tone) fyne.CanvasObject {
	l := text(label, 22, colNeutral, false)
	v := text(value, 22, toneColor(tone), true)
	return container.NewHBox(l, layout.NewSpacer(), v)
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
