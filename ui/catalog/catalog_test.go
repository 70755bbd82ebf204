package catalog

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestEveryLanguageHasEveryKey fails on a key of English missing in
// another language, or a plural form missing, or a key no one has in
// English.
func TestEveryLanguageHasEveryKey(t *testing.T) {
	en, err := Messages(Default)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range Languages {
		msgs, err := Messages(l)
		if err != nil {
			t.Fatal(err)
		}
		for k, forms := range en {
			got, ok := msgs[k]
			if !ok {
				t.Errorf("%s.json: missing key %q", l, k)
				continue
			}
			for f := range forms {
				if got[f] == "" {
					t.Errorf("%s.json: key %q lacks the %q form", l, k, f)
				}
			}
		}
		for k := range msgs {
			if _, ok := en[k]; !ok {
				t.Errorf("%s.json: key %q is not in en.json", l, k)
			}
		}
	}
}

// usedKeys reads the ui packages' source for message keys: the first
// argument of every call to T, TN or t. A call whose key is not a literal
// is an error, since the test could not check it.
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	keys := map[string]string{}
	fset := token.NewFileSet()
	for _, dir := range []string{"..", "../model"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if fn, ok := n.(*ast.FuncDecl); ok && (fn.Name.Name == "t" || fn.Name.Name == "T" || fn.Name.Name == "TN") {
					return false // the definitions themselves pass keys on
				}
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 {
					return true
				}
				var name string
				switch fun := call.Fun.(type) {
				case *ast.Ident:
					name = fun.Name
				case *ast.SelectorExpr:
					name = fun.Sel.Name
				}
				if name != "T" && name != "TN" && name != "t" {
					return true
				}
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("%s: %s called with a key that is not a literal", fset.Position(call.Pos()), name)
					return true
				}
				k, _ := strconv.Unquote(lit.Value)
				keys[k] = fset.Position(call.Pos()).String()
				return true
			})
		}
	}
	return keys
}

// TestKeysInCodeAreTranslated fails on a key used in the code that
// English lacks (every other language is held to English above), and on
// a key of English no code uses.
func TestKeysInCodeAreTranslated(t *testing.T) {
	en, err := Messages(Default)
	if err != nil {
		t.Fatal(err)
	}
	used := usedKeys(t)
	if len(used) < 50 {
		t.Fatalf("found %d keys in the source; the scan is broken", len(used))
	}
	for k, where := range used {
		if _, ok := en[k]; !ok {
			t.Errorf("%s: key %q is not in en.json", where, k)
		}
	}
	var unused []string
	for k := range en {
		// lang.name is looked up per language by the switch.
		if _, ok := used[k]; !ok && k != "lang.name" {
			unused = append(unused, k)
		}
	}
	sort.Strings(unused)
	for _, k := range unused {
		t.Errorf("en.json: key %q is used nowhere", k)
	}
}

func TestTranslate(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, key string
		n         int
		args      map[string]any
		want      string
	}{
		{"en", "result.transferred", 1, nil, "1 file transferred"},
		{"en", "result.transferred", 3, nil, "3 files transferred"},
		{"fr", "result.transferred", 0, nil, "0 fichier transféré"},
		{"de", "scan.files", 12, map[string]any{"Done": 3}, "3 von 12 Dateien"},
		{"es", "strip.station", 0, map[string]any{"ID": "gate-1"}, "Estación gate-1"},
		{"xx", "button.ok", 0, nil, "OK"},
		{"en", "no.such.key", 0, nil, "no.such.key"},
	}
	for _, tt := range tests {
		if got := c.Lookup(tt.lang, tt.key, tt.n, tt.args); got != tt.want {
			t.Errorf("Lookup(%s, %s, %d) = %q, want %q", tt.lang, tt.key, tt.n, got, tt.want)
		}
	}
}

func TestFilesAreAllEmbedded(t *testing.T) {
	ents, err := os.ReadDir(Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(Languages) {
		t.Errorf("%d files in %s, want one per language (%v)", len(ents), Dir, Languages)
	}
}
