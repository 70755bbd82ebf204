package model

// Text is words to show, as a message key of the catalog with what fills
// it, so that the model stays free of any language and the screen can be
// redrawn in another one at once.
//
// Keys are written as literals in calls to T and TN: a test reads the
// source for them and checks every language has each one.
type Text struct {
	Key string
	// N is the count that chooses the plural form, and fills {{.N}}.
	N    int
	Args map[string]any
}

// T is the message key with no count.
func T(key string) Text { return Text{Key: key} }

// TN is the message key whose plural form n chooses.
func TN(key string, n int) Text { return Text{Key: key, N: n} }

// With returns t with {{.name}} filled by v. Values are data (a count, a
// version, a station id), never an error's text.
func (t Text) With(name string, v any) Text {
	args := make(map[string]any, len(t.Args)+1)
	for k, x := range t.Args {
		args[k] = x
	}
	args[name] = v
	t.Args = args
	return t
}

// IsZero reports whether there are no words.
func (t Text) IsZero() bool { return t.Key == "" }
