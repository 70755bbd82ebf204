package yara

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	goyara "github.com/hillu/go-yara/v4"
)

// ErrClosed is returned when rules or an engine are used after Close.
var ErrClosed = errors.New("yara: closed")

// Reject is a source file the compiler refused. The file's rules are not
// loaded; the other files are.
type Reject struct {
	File    string
	Message string // libyara's messages, "line N: text", joined by "; "
}

func (r Reject) String() string { return r.File + ": " + r.Message }

// externals are the variables LOKI passes to rules; public rule sets such
// as signature-base reference them, and a rule that names an undefined
// identifier does not compile. Defaults apply until a scan sets a value.
var externals = []struct {
	name  string
	value any
}{
	{"filename", ""},
	{"filepath", ""},
	{"extension", ""},
	{"filetype", ""},
	{"md5", ""},
	{"owner", ""},
	{"group", ""},
	{"id", ""},
	{"unpack_parent", ""},
	{"unpack_source", ""},
	{"filemode", 0},
}

// Rules is a compiled rule set. It is immutable and may back several
// engines; Close frees it once the last of them is closed.
type Rules struct {
	rules   *goyara.Rules
	rejects []Reject
	files   int
	count   int
	usesMD5 bool
	// shared holds identifiers defined in more than one namespace: their
	// findings name the file so an admin can tell them apart.
	shared map[string]bool

	mu     sync.Mutex
	refs   int
	closed bool
}

// Rejects lists the files that failed to compile, in input order.
func (r *Rules) Rejects() []Reject { return append([]Reject(nil), r.rejects...) }

// Files is the number of source files loaded.
func (r *Rules) Files() int { return r.files }

// Count is the number of rules loaded, private and global ones included.
func (r *Rules) Count() int { return r.count }

// UsesMD5 reports whether a loaded rule may read the md5 external
// variable, so the caller knows to compute MD5 while spooling. The check
// is lexical and errs towards true.
func (r *Rules) UsesMD5() bool { return r.usesMD5 }

// Close frees the compiled rules once no engine uses them any more.
func (r *Rules) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	if r.refs == 0 {
		r.rules.Destroy()
	}
}

func (r *Rules) acquire() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.refs++
	return nil
}

func (r *Rules) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refs--
	if r.closed && r.refs == 0 {
		r.rules.Destroy()
	}
}

// Compile compiles each source in a namespace of its own, so that equal
// rule names in different files do not clash. A source that fails to
// compile is rejected alone, with libyara's messages; the others load.
// Compile fails only when no source could be loaded.
//
// A libyara compiler cannot be used again once a source failed: the
// failed file may have left half its rules behind. Sources are therefore
// added optimistically to one compiler, and after a failure the reject is
// recorded and a fresh compiler is rebuilt from the sources accepted so
// far. The cost is one recompilation of the accepted sources per reject,
// which is fine for rule sets that mostly compile.
func Compile(srcs []Source) (*Rules, error) {
	if len(srcs) == 0 {
		return nil, errors.New("no rules could be compiled: no sources")
	}
	namespaces := namespacesFor(srcs)
	var (
		accepted []int
		rejects  []Reject
		included [][]byte
	)
	c, err := newCompiler()
	if err != nil {
		return nil, err
	}
	defer func() { c.destroy() }()
	for i, src := range srcs {
		inc, msg := c.add(src, namespaces[i])
		if msg == "" {
			accepted = append(accepted, i)
			included = append(included, inc...)
			continue
		}
		rejects = append(rejects, Reject{File: src.Name, Message: msg})
		c.destroy()
		if c, err = newCompiler(); err != nil {
			return nil, err
		}
		for _, j := range accepted {
			if _, msg := c.add(srcs[j], namespaces[j]); msg != "" {
				// The same text compiled a moment ago; only a changed
				// include file on disk could make it fail now.
				return nil, fmt.Errorf("compile rules: %s failed on rebuild: %s", srcs[j].Name, msg)
			}
		}
	}
	if len(accepted) == 0 {
		var msgs []string
		for _, r := range rejects {
			msgs = append(msgs, r.String())
		}
		return nil, fmt.Errorf("no rules could be compiled: %s", strings.Join(msgs, "; "))
	}
	yr, err := c.c.GetRules()
	if err != nil {
		return nil, fmt.Errorf("compile rules: %w", err)
	}
	c.destroy() // the rules keep what they need of it
	if loaded, err := reload(yr); err == nil {
		yr.Destroy()
		yr = loaded
	}
	r := &Rules{rules: yr, rejects: rejects, files: len(accepted), shared: map[string]bool{}}
	seen := map[string]string{}
	for _, rule := range yr.GetRules() {
		r.count++
		id, ns := rule.Identifier(), rule.Namespace()
		if prev, ok := seen[id]; ok && prev != ns {
			r.shared[id] = true
		}
		seen[id] = ns
	}
	for _, j := range accepted {
		r.usesMD5 = r.usesMD5 || mentionsExternal(srcs[j].Data, "md5")
	}
	for _, data := range included {
		r.usesMD5 = r.usesMD5 || mentionsExternal(data, "md5")
	}
	return r, nil
}

// reload saves compiled rules and loads them back, as yarac and yara -C
// do through a file. With libyara 4.2.3 and signature-base, every scan
// with rules straight from the compiler costs about a third more CPU
// (0.9–1.1 ms against 0.6–0.7 ms for a 4 KiB object) than with the same
// rules loaded; the round trip takes about 0.25 s once. The rules are the
// same: a failure here leaves the compiler's rules in use.
func reload(yr *goyara.Rules) (*goyara.Rules, error) {
	// libyara reads and writes in pieces of a few bytes: buffered on both
	// sides of the pipe, so that the rules (28 MB for signature-base) are
	// never held a second time in Go memory.
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 1<<20)
		err := yr.Write(w)
		if err == nil {
			err = w.Flush()
		}
		pw.CloseWithError(err)
	}()
	loaded, err := goyara.ReadRules(bufio.NewReaderSize(pr, 1<<20))
	// Drain whatever the writer has left, so that it ends.
	io.Copy(io.Discard, pr)
	if err != nil {
		return nil, fmt.Errorf("reload rules: %w", err)
	}
	return loaded, nil
}

// namespacesFor names each source's namespace after its display name,
// made unique when two sources share a name.
func namespacesFor(srcs []Source) []string {
	ns := make([]string, len(srcs))
	used := map[string]int{}
	for i, src := range srcs {
		name := src.Name
		if name == "" {
			name = "source"
		}
		used[name]++
		if n := used[name]; n > 1 {
			name = fmt.Sprintf("%s#%d", name, n)
		}
		ns[i] = name
	}
	return ns
}

// compiler wraps one libyara compiler and the include state of the
// source being added.
type compiler struct {
	c *goyara.Compiler
	// base is the path of the top-level source being added; libyara
	// reports no file name for text added as a string.
	base string
	// resolved maps the names libyara reports for included files (the
	// include statement's text) to the paths they were read from, so
	// that nested includes resolve relative to their own file.
	resolved   map[string]string
	included   [][]byte
	includeErr string
}

func newCompiler() (*compiler, error) {
	c, err := goyara.NewCompiler()
	if err != nil {
		return nil, fmt.Errorf("compile rules: %w", err)
	}
	for _, v := range externals {
		if err := c.DefineVariable(v.name, v.value); err != nil {
			c.Destroy()
			return nil, fmt.Errorf("compile rules: define %s: %w", v.name, err)
		}
	}
	cc := &compiler{c: c}
	c.SetIncludeCallback(cc.include)
	return cc, nil
}

func (c *compiler) destroy() {
	if c != nil && c.c != nil {
		c.c.Destroy()
		c.c = nil
	}
}

// add compiles one source. It returns the text of the files the source
// included, and an empty message on success or the compiler's messages.
func (c *compiler) add(src Source, namespace string) (included [][]byte, msg string) {
	c.base, c.resolved, c.included, c.includeErr = src.Path, map[string]string{}, nil, ""
	c.c.Errors = nil
	if i := bytes.IndexByte(src.Data, 0); i >= 0 {
		// The text crosses into C as a NUL-terminated string: whatever
		// follows the NUL would be dropped without a word.
		return nil, fmt.Sprintf("line %d: NUL byte in rule text", 1+bytes.Count(src.Data[:i], []byte("\n")))
	}
	if err := c.c.AddString(string(src.Data), namespace); err != nil {
		var msgs []string
		for _, m := range c.c.Errors {
			// libyara reports line 0 when the error is at the end of
			// the text (an unterminated rule).
			s := m.Text
			if m.Line > 0 {
				s = fmt.Sprintf("line %d: %s", m.Line, m.Text)
			}
			if m.Filename != "" {
				s = m.Filename + ": " + s
			}
			msgs = append(msgs, s)
		}
		if c.includeErr != "" {
			msgs = append(msgs, c.includeErr)
		}
		if len(msgs) == 0 {
			msgs = append(msgs, err.Error())
		}
		return nil, strings.Join(msgs, "; ")
	}
	return c.included, ""
}

// include resolves an include statement relative to the including file,
// as the yara command does. Sources without a path cannot include.
func (c *compiler) include(name, from, _ string) []byte {
	dir := ""
	switch {
	case from == "":
		if c.base == "" {
			c.includeErr = fmt.Sprintf("include %q: source has no path to resolve it against", name)
			return nil
		}
		dir = filepath.Dir(c.base)
	case c.resolved[from] != "":
		dir = filepath.Dir(c.resolved[from])
	default:
		dir = filepath.Dir(from)
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		c.includeErr = fmt.Sprintf("include %q: %v", name, err)
		return nil
	}
	c.resolved[name] = path
	c.included = append(c.included, data)
	return data
}

// mentionsExternal reports whether rule text may use the external
// variable ident: the bare identifier outside comments and strings, not
// a module member ("hash.md5"), not a string reference ("$md5"), and not
// a meta key ("md5 = ..."). Regular expressions are not parsed, so text
// inside one may count; a false positive only costs a digest.
func mentionsExternal(data []byte, ident string) bool {
	isIdent := func(b byte) bool {
		return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
	}
	n := len(data)
	for i := 0; i < n; i++ {
		switch b := data[i]; {
		case b == '/' && i+1 < n && data[i+1] == '/':
			for i < n && data[i] != '\n' {
				i++
			}
		case b == '/' && i+1 < n && data[i+1] == '*':
			i += 2
			for i+1 < n && !(data[i] == '*' && data[i+1] == '/') {
				i++
			}
			i++
		case b == '"':
			for i++; i < n && data[i] != '"' && data[i] != '\n'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case isIdent(b):
			start := i
			for i < n && isIdent(data[i]) {
				i++
			}
			word := string(data[start:i])
			i--
			if word != ident || start > 0 && strings.IndexByte(".$#@!", data[start-1]) >= 0 {
				continue
			}
			j := i + 1
			for j < n && (data[j] == ' ' || data[j] == '\t') {
				j++
			}
			if j < n && data[j] == '=' && (j+1 >= n || data[j+1] != '=') {
				continue // meta key
			}
			return true
		}
	}
	return false
}
