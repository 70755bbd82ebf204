// Package catalog holds the touchscreen's words in every language it
// speaks: one JSON file per language in translations/, in the go-i18n
// format that fyne's lang package reads.
//
// The kiosk hands the same files to fyne with lang.AddTranslationsFS, but
// looks its words up here. fyne v2.8.1's lang picks one language from the
// system locale when translations are added and offers no way to choose
// another afterwards (its setupLang is unexported), while the station's
// operators switch language on the touchscreen while it runs. A Catalog
// keeps one go-i18n localizer per language over the same bundle, so a
// switch is a lookup in another localizer, with no global state touched.
package catalog

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Files are the translation files, named <lang>.json, under Dir.
//
//go:embed translations/*.json
var Files embed.FS

// Dir is the folder of Files that holds the translations.
const Dir = "translations"

// Languages are the languages the station speaks, in the order the
// language switch shows them. The first is the fallback.
var Languages = []string{"en", "es", "fr", "de"}

// Default is the language used when none, or an unknown one, is asked for.
const Default = "en"

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool { return slices.Contains(Languages, lang) }

// Catalog translates message keys into one of Languages.
type Catalog struct {
	loc map[string]*i18n.Localizer
}

// New loads every translation file. A file that does not parse is an
// error: the files are embedded, so this fails in tests, not on a station.
func New() (*Catalog, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, l := range Languages {
		data, err := Files.ReadFile(path.Join(Dir, l+".json"))
		if err != nil {
			return nil, fmt.Errorf("translations for %s: %w", l, err)
		}
		if _, err := b.ParseMessageFileBytes(data, l+".json"); err != nil {
			return nil, fmt.Errorf("translations for %s: %w", l, err)
		}
	}
	c := &Catalog{loc: map[string]*i18n.Localizer{}}
	for _, l := range Languages {
		// English comes second, so that a key missing in lang (which a
		// test forbids) still shows words rather than its key.
		c.loc[l] = i18n.NewLocalizer(b, l, Default)
	}
	return c, nil
}

// Lookup returns the words of key in lang. count chooses the plural form when
// the message has several, and is given to the template as .N; args fill
// the template's other fields. A key with no translation returns the key
// itself, so that a mistake shows on screen instead of an empty label.
func (c *Catalog) Lookup(lang, key string, count int, args map[string]any) string {
	loc, ok := c.loc[lang]
	if !ok {
		loc = c.loc[Default]
	}
	data := map[string]any{"N": count}
	for k, v := range args {
		data[k] = v
	}
	cfg := &i18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count}
	s, err := loc.Localize(cfg)
	if err != nil && s == "" {
		return key
	}
	return s
}

// Messages reads the translation file of lang as key → forms: a plain
// message has the one form "other"; a plural message has its plural forms.
// Tests use it to check that every language has every key.
func Messages(lang string) (map[string]map[string]string, error) {
	data, err := fs.ReadFile(Files, path.Join(Dir, lang+".json"))
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s.json: %w", lang, err)
	}
	out := map[string]map[string]string{}
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = map[string]string{"other": s}
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			return nil, fmt.Errorf("%s.json: key %s: neither a string nor plural forms", lang, k)
		}
		lower := map[string]string{}
		for f, s := range forms {
			lower[strings.ToLower(f)] = s
		}
		out[k] = lower
	}
	return out, nil
}
