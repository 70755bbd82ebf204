package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/sluice-ot/sluice/ui/model"
)

// scanScreen is the screen of a running session. Its widgets are kept and
// updated as progress comes in.
type scanScreen struct {
	k                                  *Kiosk
	root                               fyne.CanvasObject
	phase, files, current, counts, eta *widget.Label
	waiting                            *widget.Label
	bar                                *widget.ProgressBar
	cancel                             *widget.Button
}

func (k *Kiosk) newScanScreen(v model.View) *scanScreen {
	s := &scanScreen{k: k}
	s.phase = heading("")
	s.files = line("", model.ToneNeutral)
	// A name from the drive: one line, cut with "…" if it is still too
	// long once shortened.
	s.current = line("", model.ToneNeutral)
	s.current.Wrapping, s.current.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	s.current.TextStyle.Monospace = true
	s.current.SizeName = theme.SizeNameText
	s.counts = line("", model.ToneNeutral)
	s.eta = line("", model.ToneNeutral)
	s.waiting = line("", model.ToneNeutral)
	s.bar = widget.NewProgressBar()
	s.cancel = button(k.t("button.cancel"), widget.DangerImportance, func() { k.m.AskCancel(); k.render() })

	bar := container.New(column{maxWidth: 900}, container.New(minSize{fyne.NewSize(0, 56)}, s.bar))
	main := middle(s.phase, bar, s.files, s.current, s.counts, s.eta, s.waiting)
	if v.Scan.Confirm {
		s.root = k.confirmCancel(main)
	} else {
		s.root = container.NewBorder(nil, container.NewCenter(big(s.cancel, 320)), nil, nil, main)
	}
	s.update(v.Scan)
	return s
}

func (s *scanScreen) update(v model.ScanView) {
	k := s.k
	counts := ""
	if !v.Clean.IsZero() {
		counts = k.tr(v.Clean) + "  ·  " + k.tr(v.Held)
	}
	eta := k.tr(v.ETA)
	if v.Cancelling {
		eta = k.t("scan.cancelling")
	}
	set := func(l *widget.Label, s string) {
		if l.Text != s { // a label redrawn for nothing costs a layout
			l.SetText(s)
		}
	}
	set(s.phase, k.tr(v.Phase))
	set(s.files, k.tr(v.Files))
	set(s.current, v.Current)
	set(s.counts, counts)
	set(s.eta, eta)
	set(s.waiting, k.tr(v.Waiting))
	if v.Indeterminate {
		s.bar.Hide()
	} else {
		s.bar.Show()
		s.bar.SetValue(v.Fraction)
	}
	if v.CanCancel {
		s.cancel.Enable()
	} else {
		s.cancel.Disable()
	}
}

// confirmCancel puts the question over the scan: stopping means nothing
// is transferred, so it takes a second, deliberate tap.
func (k *Kiosk) confirmCancel(under fyne.CanvasObject) fyne.CanvasObject {
	stop := button(k.t("button.stop"), widget.DangerImportance, func() { k.apply(k.m.ConfirmCancel()) })
	keep := button(k.t("button.keep"), widget.HighImportance, func() { k.m.KeepScanning(); k.render() })
	q := heading(k.t("cancel.title"))
	q.SizeName = theme.SizeNameHeadingText
	box := container.NewVBox(q, line(k.t("cancel.line"), model.ToneNeutral),
		container.NewCenter(container.NewHBox(big(keep, 360), big(stop, 360))))
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	return container.NewStack(under, bg, container.New(column{maxWidth: 900}, container.NewPadded(box)))
}
