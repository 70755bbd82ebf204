package model

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sluice-ot/sluice/kiosk/api"
)

// maxOperator is the daemon's limit on an operator's name, in bytes.
const maxOperator = 64

// operatorState is the operator identification being typed.
type operatorState struct {
	input   string
	sending bool
	failed  bool
	// sentFor remembers the name the daemon accepted until its status
	// shows it, so that the keypad does not come back in between.
	sentFor string
}

func (o *operatorState) reset() { *o = operatorState{} }

// promptMode is the identification the station asks for: "badge", "name",
// or "" for none.
func (m *Model) promptMode() string {
	if m.status == nil {
		return ""
	}
	switch p := m.status.OperatorPrompt; p {
	case api.OperatorPromptBadge, api.OperatorPromptName:
		return p
	}
	return ""
}

// needsOperator reports whether the operator keypad is due: the station
// asks who brings the drive and no one has said yet.
func (m *Model) needsOperator() bool {
	return m.promptMode() != "" && m.status.Operator == "" && m.operator.sentFor == ""
}

// OperatorKey types one key of the keypad: a digit for a badge, a letter,
// a space, a hyphen or an apostrophe for a name.
func (m *Model) OperatorKey(r rune) {
	o := &m.operator
	if o.sending || len(o.input)+utf8.RuneLen(r) > maxOperator {
		return
	}
	switch m.promptMode() {
	case api.OperatorPromptBadge:
		if r < '0' || r > '9' {
			return
		}
	case api.OperatorPromptName:
		if r < ' ' || r == 0x7f {
			return
		}
		if r == ' ' && (o.input == "" || strings.HasSuffix(o.input, " ")) {
			return
		}
	default:
		return
	}
	o.input += string(r)
	o.failed = false
}

// OperatorDelete removes the last character typed.
func (m *Model) OperatorDelete() {
	o := &m.operator
	if o.sending || o.input == "" {
		return
	}
	_, n := utf8.DecodeLastRuneInString(o.input)
	o.input = o.input[:len(o.input)-n]
	o.failed = false
}

// OperatorSubmit sends what was typed.
func (m *Model) OperatorSubmit() []Cmd {
	o := &m.operator
	name := strings.TrimSpace(o.input)
	if o.sending || name == "" || !m.needsOperator() {
		return nil
	}
	o.sending = true
	return []Cmd{SetOperator{name}}
}

// OperatorDone takes the answer to SetOperator.
func (m *Model) OperatorDone(name string, err error) {
	o := &m.operator
	o.sending = false
	if err != nil {
		o.failed = true
		return
	}
	o.input, o.sentFor = "", name
	if m.status != nil {
		st := *m.status
		st.Operator = name
		m.status = &st
	}
}

func decodeStatus(data []byte) (*api.Status, error) {
	var st api.Status
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("status event: %w", err)
	}
	return &st, nil
}

func decodeEvent(data []byte) (*api.Event, error) {
	var ev api.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, fmt.Errorf("session event: %w", err)
	}
	return &ev, nil
}
