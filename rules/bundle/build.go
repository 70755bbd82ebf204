package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sluice-ot/sluice/scanner/hashdb"
	"github.com/sluice-ot/sluice/scanner/yara"
)

// BuildOptions say what goes into a bundle.
type BuildOptions struct {
	Name    string
	Version int       // 1 or more; stations refuse a version below the active one
	Expires time.Time // zero: never
	// YARA lists rule files and folders. Folders are walked for .yar and
	// .yara files (yara.LoadPaths); files keep their name.
	YARA []string
	// Block and Allow are hash lists in any format hashdb.Parse reads.
	Block, Allow []string
	// ClamAV is a folder whose .hdb, .hsb, .ndb and .ldb files are bundled.
	ClamAV string
	// Strict fails the build on any rejected file or bad hash line.
	Strict bool
	Now    func() time.Time // defaults to time.Now
	Limits Limits
}

// Report is what Build did.
type Report struct {
	Manifest *Manifest // nil when nothing was written
	Rejects  []Reject  // inputs left out of the bundle
	BadLines []BadLine // hash list lines without a digest; the lists are bundled as given
	Skipped  []string  // files in the ClamAV folder of no bundled type
	Size     int64     // bytes of the tar
	SHA256   string    // hex SHA-256 of the tar
	// RemovedSignature is set when a signature of a previous bundle at the
	// same path was removed, since it no longer matched.
	RemovedSignature bool
}

// Reject is an input file Build left out, with the reason: for rule
// files, libyara's messages.
type Reject struct {
	Kind    Kind
	File    string // as given
	Member  string // the path it would have had in the bundle
	Message string
}

// BadLine is a line of a hash list that holds no digest.
type BadLine struct {
	Kind   Kind
	File   string
	Member string
	hashdb.LineError
}

// input is one file on its way into the bundle.
type input struct {
	file string
	m    Member
	data []byte
}

// Build writes a bundle to out, atomically: the rule files that compile
// (all of them together, as the station will compile them), the hash
// lists and the ClamAV databases, with bundle.json first. The tar is
// deterministic: the same inputs and creation time give the same bytes.
//
// Rule files that do not compile are left out and listed in the Report;
// so are hash list lines without a digest, though the lists are bundled
// as given. With Strict either fails the build with ErrRejected, as does
// a set of rule files none of which compiles. The Report is returned with
// ErrRejected so the caller can show why.
func Build(opts BuildOptions, out string) (*Report, error) {
	lim := opts.Limits.withDefaults()
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	m := &Manifest{Format: FormatVersion, Name: opts.Name, Version: opts.Version, Created: now().UTC().Truncate(time.Second)}
	if !opts.Expires.IsZero() {
		e := opts.Expires.UTC()
		m.Expires = &e
	}
	if err := m.checkMeta(); err != nil {
		return nil, fmt.Errorf("build bundle: %w", err)
	}
	if len(opts.YARA)+len(opts.Block)+len(opts.Allow) == 0 && opts.ClamAV == "" {
		return nil, errors.New("build bundle: nothing to bundle")
	}
	rep := &Report{}
	b := &builder{rep: rep, lim: lim, names: map[string]string{}}
	if err := b.yara(opts.YARA, m); err != nil {
		return rep, fmt.Errorf("build bundle: %w", err)
	}
	for _, l := range []struct {
		kind  Kind
		files []string
	}{{KindBlock, opts.Block}, {KindAllow, opts.Allow}} {
		for _, f := range l.files {
			if err := b.hashList(l.kind, f); err != nil {
				return rep, fmt.Errorf("build bundle: %w", err)
			}
		}
	}
	if opts.ClamAV != "" {
		if err := b.clamav(opts.ClamAV); err != nil {
			return rep, fmt.Errorf("build bundle: %w", err)
		}
	}
	if opts.Strict && (len(rep.Rejects) > 0 || len(rep.BadLines) > 0) {
		return rep, fmt.Errorf("build bundle: %w (strict): %s, %s", ErrRejected, plural(len(rep.Rejects), "file"), plural(len(rep.BadLines), "bad hash line"))
	}
	sort.Slice(b.inputs, func(i, j int) bool { return b.inputs[i].m.Path < b.inputs[j].m.Path })
	m.Contents = []Member{}
	for _, in := range b.inputs {
		m.Contents = append(m.Contents, in.m)
		switch in.m.Kind {
		case KindYARA:
			m.Counts.RuleFiles++
		case KindBlock:
			m.Counts.BlockLists++
			m.Counts.BlockEntries += in.m.Entries
		case KindAllow:
			m.Counts.AllowLists++
			m.Counts.AllowEntries += in.m.Entries
		case KindClamAV:
			m.Counts.ClamAVFiles++
			m.Counts.ClamAVSignatures += in.m.Entries
		}
	}
	m.Counts.Rules = b.rules
	if err := m.check(); err != nil {
		return rep, fmt.Errorf("build bundle: %w", err)
	}
	size, sum, err := writeBundle(out, m, b.inputs, lim)
	if err != nil {
		return rep, fmt.Errorf("build bundle: %w", err)
	}
	rep.Manifest, rep.Size, rep.SHA256 = m, size, sum
	if err := os.Remove(out + SignatureExt); err == nil {
		rep.RemovedSignature = true
	}
	return rep, nil
}

type builder struct {
	rep    *Report
	lim    Limits
	inputs []input
	total  int64
	rules  int
	// names maps folded member paths to the file that claimed them.
	names map[string]string
}

// add claims a member path for file and checks the size limits.
func (b *builder) add(file string, m Member, data []byte) error {
	if err := checkPath(m.Path); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if k, ok := kindOf(m.Path); !ok || k != m.Kind {
		return fmt.Errorf("%s: %q is no %s member", file, m.Path, m.Kind)
	}
	key := strings.ToLower(m.Path)
	if prev, ok := b.names[key]; ok {
		return fmt.Errorf("%s and %s would both be %s in the bundle; rename one", prev, file, m.Path)
	}
	b.names[key] = file
	if int64(len(data)) > b.lim.MaxMember {
		return fmt.Errorf("%s: %w: %d bytes, over the %d limit", file, ErrTooLarge, len(data), b.lim.MaxMember)
	}
	if b.total += int64(len(data)); b.total > b.lim.MaxTotal {
		return fmt.Errorf("%w: the inputs total over %d bytes", ErrTooLarge, b.lim.MaxTotal)
	}
	sum := sha256.Sum256(data)
	m.Size, m.SHA256 = int64(len(data)), hex.EncodeToString(sum[:])
	b.inputs = append(b.inputs, input{file: file, m: m, data: data})
	return nil
}

// yara loads the rule files, names them, and compiles them all together
// as the station will: from memory, so includes fail here as they would
// there. Files that fail are rejected.
func (b *builder) yara(paths []string, m *Manifest) error {
	var srcs []yara.Source
	files := map[string]string{} // member path -> file
	for _, p := range paths {
		loaded, err := yara.LoadPaths([]string{p})
		if err != nil {
			return err
		}
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		for _, src := range loaded {
			rel := filepath.Base(src.Name)
			if fi.IsDir() {
				if rel, err = filepath.Rel(p, src.Name); err != nil {
					return err
				}
			}
			member := "yara/" + sanitize(rel)
			if strings.EqualFold(filepath.Ext(rel), ".yarc") {
				b.rep.Rejects = append(b.rep.Rejects, Reject{Kind: KindYARA, File: src.Name, Member: member,
					Message: "compiled rules are never bundled: the station compiles the sources itself"})
				continue
			}
			if !yara.IsRuleFile(member) {
				member += ".yar"
			}
			if prev, ok := files[member]; ok {
				return fmt.Errorf("%s and %s would both be %s in the bundle; rename one", prev, src.Name, member)
			}
			files[member] = src.Name
			srcs = append(srcs, yara.Source{Name: member, Data: src.Data})
		}
	}
	if len(srcs) == 0 {
		if len(paths) > 0 {
			return fmt.Errorf("%w: no rule files in %s", ErrRejected, strings.Join(paths, ", "))
		}
		return nil
	}
	rules, err := yara.Compile(srcs)
	if err != nil {
		// None compiled; the error joins the messages. List them one by one.
		for _, src := range srcs {
			msg := "does not compile"
			if r, err := yara.Compile([]yara.Source{src}); err != nil {
				msg = strings.TrimPrefix(err.Error(), "no rules could be compiled: "+src.Name+": ")
			} else {
				r.Close()
			}
			b.rep.Rejects = append(b.rep.Rejects, Reject{Kind: KindYARA, File: files[src.Name], Member: src.Name, Message: msg})
		}
		return fmt.Errorf("%w: no rule file compiles", ErrRejected)
	}
	defer rules.Close()
	rejected := map[string]bool{}
	for _, r := range rules.Rejects() {
		rejected[r.File] = true
		b.rep.Rejects = append(b.rep.Rejects, Reject{Kind: KindYARA, File: files[r.File], Member: r.File, Message: r.Message})
	}
	for _, src := range srcs {
		if !rejected[src.Name] {
			if err := b.add(files[src.Name], Member{Path: src.Name, Kind: KindYARA}, src.Data); err != nil {
				return err
			}
		}
	}
	b.rules = rules.Count()
	return nil
}

// hashList bundles a hash list as given, counting its digests and
// reporting its bad lines.
func (b *builder) hashList(kind Kind, file string) error {
	data, err := readInput(file, b.lim)
	if err != nil {
		return err
	}
	member := "hashes/" + string(kind) + "/" + sanitize(filepath.Base(file))
	entries, bad, err := hashdb.Parse(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for _, le := range bad {
		b.rep.BadLines = append(b.rep.BadLines, BadLine{Kind: kind, File: file, Member: member, LineError: le})
	}
	return b.add(file, Member{Path: member, Kind: kind, Entries: len(entries)}, data)
}

// clamav bundles the signature databases at the top of dir. They are
// checked only for being text: clamd checks them when it loads them.
func (b *builder) clamav(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		file := filepath.Join(dir, e.Name())
		if !e.Type().IsRegular() || !isClamAVExt(strings.ToLower(filepath.Ext(e.Name()))) {
			b.rep.Skipped = append(b.rep.Skipped, file)
			continue
		}
		data, err := readInput(file, b.lim)
		if err != nil {
			return err
		}
		base := sanitize(e.Name())
		member := "clamav/" + strings.TrimSuffix(base, filepath.Ext(base)) + strings.ToLower(filepath.Ext(base))
		if i := bytes.IndexByte(data, 0); i >= 0 {
			b.rep.Rejects = append(b.rep.Rejects, Reject{Kind: KindClamAV, File: file, Member: member,
				Message: fmt.Sprintf("line %d: NUL byte: not a text signature database", 1+bytes.Count(data[:i], []byte("\n")))})
			continue
		}
		if err := b.add(file, Member{Path: member, Kind: KindClamAV, Entries: countSignatures(data)}, data); err != nil {
			return err
		}
	}
	return nil
}

// countSignatures counts the lines that are neither blank nor comments.
func countSignatures(data []byte) int {
	n := 0
	for _, line := range bytes.Split(data, []byte("\n")) {
		if l := bytes.TrimSpace(line); len(l) > 0 && l[0] != '#' {
			n++
		}
	}
	return n
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// readInput reads an input file, refusing one over the member limit
// before reading it.
func readInput(file string, lim Limits) ([]byte, error) {
	fi, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if fi.Size() > lim.MaxMember {
		return nil, fmt.Errorf("%s: %w: %d bytes, over the %d limit", file, ErrTooLarge, fi.Size(), lim.MaxMember)
	}
	return os.ReadFile(file)
}
