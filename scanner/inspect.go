package scanner

import (
	"context"
	"errors"
	"io"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/sluice-ot/sluice/scanner/archive"
	"github.com/sluice-ot/sluice/scanner/filetype"
	"github.com/sluice-ot/sluice/scanner/hashdb"
)

// tree tracks what one top-level file has unpacked so far, at all depths.
type tree struct {
	dir     string // spool directory
	top     string // the top-level file's path
	members int
	bytes   int64
}

// limitError stops an archive walk when a limit is hit.
type limitError struct{ rule, detail string }

func (e *limitError) Error() string { return e.rule + ": " + e.detail }

// inspect runs every check on one spooled object and returns its findings.
// inDocument is set for the internal parts of an OOXML or ODF document.
func (sc *Scanner) inspect(ctx context.Context, obj *Object, inDocument bool, t *tree) (findings []Finding, knownGood bool) {
	member := t.member(obj)
	add := func(f Finding) {
		if f.Member == "" {
			f.Member = member
		}
		findings = append(findings, f)
	}

	for _, l := range sc.cfg.Blocklists {
		if label, ok := lookup(l, obj.Sums); ok {
			add(Finding{Engine: "hashdb", Rule: l.Name(), Detail: label, Verdict: Infected})
		}
	}
	for _, l := range sc.cfg.Allowlists {
		// SHA-256 only: MD5 and SHA-1 collisions can be made, and a
		// known-good file skips the signature engines.
		if _, ok := l.Lookup(hashdb.SHA256, obj.Sums.SHA256); ok {
			knownGood = true
		}
	}

	ft, err := filetype.Detect(obj.readerAt(), obj.Size)
	if err != nil {
		add(Finding{Engine: "type", Rule: "unreadable", Detail: err.Error(), Verdict: Blocked})
	}
	obj.Type = ft
	for _, v := range sc.cfg.Policy.Check(obj.Name, obj.Size, ft, inDocument) {
		add(Finding{Engine: "type", Rule: v.Rule, Detail: v.Detail, Verdict: Blocked})
	}

	// A blocklist hit settles it; a known-good file needs no signatures.
	if Decide(findings) == Infected || knownGood {
		return findings, knownGood
	}
	for _, e := range sc.cfg.Engines {
		if obj.File == nil && !scansData(e) {
			// An engine that reads files only gets one holding the same
			// bytes, made once and freed with this object.
			f, err := sealedCopy(t.dir, obj.Data)
			if err != nil {
				add(Finding{Engine: e.Name(), Rule: "incomplete", Detail: "scan did not complete: " + err.Error(), Verdict: Blocked})
				continue
			}
			defer discardSpoolFile(f)
			obj.File, obj.SpoolPath = f, spoolPath(f)
		}
		fs, err := e.Scan(ctx, obj)
		if err != nil {
			add(Finding{Engine: e.Name(), Rule: "incomplete", Detail: "scan did not complete: " + err.Error(), Verdict: Blocked})
			continue
		}
		for _, f := range fs {
			add(f)
		}
		if obj.File == nil {
			continue
		}
		if _, err := obj.File.Seek(0, io.SeekStart); err != nil {
			add(Finding{Engine: "scanner", Rule: "incomplete", Detail: err.Error(), Verdict: Blocked})
		}
	}
	switch {
	case ft.Container != "":
		// Only a real document's own parts are exempt from the category
		// allowlist: the exemption does not pass down into nested
		// archives, and a zip merely laid out like a docx gets none.
		for _, f := range sc.inspectArchive(ctx, obj, ft.Document && documentExts[obj.Ext], t) {
			add(f)
		}
	case archive.HasZipDirectory(obj.readerAt(), obj.Size):
		// A zip appended to another type of file is a zip to extractors.
		embedded := *obj
		embedded.Type.Container = "zip"
		for _, f := range sc.inspectArchive(ctx, &embedded, false, t) {
			add(f)
		}
	}
	return findings, false
}

// lookup checks every digest the list holds a section for.
func lookup(l *hashdb.List, s Sums) (string, bool) {
	if label, ok := l.Lookup(hashdb.SHA256, s.SHA256); ok {
		return label, true
	}
	if s.SHA1 != nil {
		if label, ok := l.Lookup(hashdb.SHA1, s.SHA1); ok {
			return label, true
		}
	}
	if s.MD5 != nil {
		if label, ok := l.Lookup(hashdb.MD5, s.MD5); ok {
			return label, true
		}
	}
	return "", false
}

// inspectArchive opens obj as an archive and inspects every member as an
// object of its own. Whatever stops the walk early is a blocked finding:
// an archive is clean only when every member was seen and is clean.
func (sc *Scanner) inspectArchive(ctx context.Context, obj *Object, inDocument bool, t *tree) []Finding {
	lim := sc.cfg.Limits
	block := func(rule, detail string) []Finding {
		return []Finding{{Engine: "archive", Rule: rule, Detail: detail, Member: t.member(obj), Verdict: Blocked}}
	}
	switch obj.Type.Container {
	case "zip", "tar", "gzip", "bzip2", "xz":
	default:
		return block("unsupported-format", obj.Type.Container+" archives cannot be inspected")
	}
	if obj.Depth >= lim.ArchiveDepth {
		return block("depth-limit", "archives nested deeper than "+strconv.Itoa(lim.ArchiveDepth))
	}

	var findings []Finding
	var expanded int64 // bytes from this archive's own members, for the ratio
	allowed := int64(math.MaxInt64)
	if obj.Size <= math.MaxInt64/lim.ArchiveRatio {
		allowed = max(lim.RatioFloor, obj.Size*lim.ArchiveRatio)
	}
	err := archive.WalkAt(ctx, obj.Type.Container, obj.readerAt(), obj.Size, obj.Name, archive.Limits{Members: lim.ArchiveMembers}, func(m archive.Member, r io.Reader) error {
		t.members++
		if t.members > lim.ArchiveMembers {
			return &limitError{"member-limit", "more than " + strconv.Itoa(lim.ArchiveMembers) + " archive members"}
		}
		mpath := obj.Path + "/" + m.Name
		blockMember := func(rule, detail string) {
			findings = append(findings, Finding{Engine: "archive", Rule: rule, Detail: detail, Member: t.trim(mpath), Verdict: Blocked})
		}
		if why := archive.UnsafeName(m.Name); why != "" {
			blockMember("unsafe-member-name", why)
		}
		switch {
		case m.Kind == archive.Dir:
			return nil
		case m.Kind != archive.File:
			blockMember("link-or-special-member", m.Kind.String()+" inside an archive")
			return nil
		case m.Encrypted:
			blockMember("encrypted", "password protected")
			return nil
		}
		child, err := sc.spoolMember(ctx, r, t, func(n int64) error {
			expanded += n
			if expanded > allowed {
				return &limitError{"ratio-limit", "expands more than " + strconv.FormatInt(lim.ArchiveRatio, 10) + " times its size"}
			}
			return nil
		})
		if err != nil {
			return err
		}
		defer child.remove()
		cobj := &Object{
			Path: mpath, Name: path.Base(strings.ReplaceAll(m.Name, `\`, "/")), File: child.f,
			Data: child.data(), Size: child.size, Sums: child.sums,
			Parent: obj.Path, Source: obj.Type.Container, Depth: obj.Depth + 1,
		}
		if child.f != nil {
			cobj.SpoolPath = spoolPath(child.f)
		}
		cobj.Ext = filetype.Ext(cobj.Name)
		cf, _ := sc.inspect(ctx, cobj, inDocument, t)
		findings = append(findings, cf...)
		return nil
	})
	var le *limitError
	switch {
	case err == nil:
	case errors.As(err, &le):
		findings = append(findings, block(le.rule, le.detail)...)
	case refusedRule(err) != "":
		findings = append(findings, block(refusedRule(err), err.Error())...)
	case errors.Is(err, archive.ErrCorrupt):
		findings = append(findings, block("unreadable-archive", err.Error())...)
	case errors.Is(err, archive.ErrUnsupported):
		findings = append(findings, block("unsupported-format", err.Error())...)
	default:
		findings = append(findings, block("incomplete", err.Error())...)
	}
	return findings
}

// refusedRule names the rule for an archive the archive package refused
// to open or read, or "" for any other error.
func refusedRule(err error) string {
	for _, r := range []struct {
		err  error
		rule string
	}{
		{archive.ErrMemberLimit, "member-limit"},
		{archive.ErrDirectoryLimit, "directory-limit"},
		{archive.ErrDictionaryLimit, "dictionary-limit"},
		{archive.ErrHiddenData, "hidden-data"},
		{archive.ErrOverlap, "overlapping-members"},
		{archive.ErrHeaderMismatch, "header-mismatch"},
	} {
		if errors.Is(err, r.err) {
			return r.rule
		}
	}
	return ""
}

// spoolMember reads one member's content within the tree's byte budget;
// count is told of every chunk for the ratio limit. A member smaller than
// memObjectMax stays in memory; a larger one goes to a spool file.
func (sc *Scanner) spoolMember(ctx context.Context, r io.Reader, t *tree, count func(n int64) error) (*spooled, error) {
	d := newDigester(sc.cfg.NeedMD5, sc.cfg.NeedSHA1)
	var last int64
	check := func(total int64) error {
		delta := total - last
		last = total
		t.bytes += delta
		if t.bytes > sc.cfg.Limits.ArchiveBytes {
			return &limitError{"size-limit", "expands to more than " + mib(sc.cfg.Limits.ArchiveBytes)}
		}
		return count(delta)
	}
	m, more, err := readMember(ctx, r, check)
	if err != nil {
		return nil, err
	}
	d.Write(m.data)
	if !more {
		return &spooled{mem: m, size: int64(len(m.data)), sums: d.sums()}, nil
	}
	head := int64(len(m.data))
	f, err := newSpoolFile(t.dir)
	if err == nil {
		if _, werr := f.Write(m.data); werr != nil {
			err = &spoolError{werr}
		}
	}
	m.free()
	var n int64
	if err == nil {
		n, err = copyChecked(ctx, f, d, r, func(total int64) error { return check(head + total) })
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		if f != nil {
			discardSpoolFile(f)
		}
		return nil, err
	}
	return &spooled{f: f, size: head + n, sums: d.sums()}, nil
}

// member is the member path to report for a finding about obj itself:
// empty for the top-level file.
func (t *tree) member(obj *Object) string {
	if obj.Depth == 0 {
		return ""
	}
	return t.trim(obj.Path)
}

// trim drops the top-level file's own path from an archive chain, which
// the result already carries: "dir/a.zip/b/c.doc" becomes "b/c.doc".
func (t *tree) trim(p string) string { return strings.TrimPrefix(p, t.top+"/") }

// mib writes a byte limit for a finding's detail: limits are whole MiB.
func mib(n int64) string {
	if n%(1<<20) != 0 {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	return strconv.FormatInt(n>>20, 10) + " MiB"
}

// documentExts are the extensions of the container documents whose own
// parts (fonts, relationships, binary parts) are not judged by the
// category allowlist.
var documentExts = map[string]bool{
	"docx": true, "docm": true, "dotx": true, "dotm": true,
	"xlsx": true, "xlsm": true, "xltx": true, "xltm": true, "xlsb": true,
	"pptx": true, "pptm": true, "potx": true, "potm": true, "ppsx": true, "ppsm": true,
	"vsdx": true, "vsdm": true,
	"odt": true, "ods": true, "odp": true, "odg": true, "odf": true, "ott": true, "ots": true, "otp": true,
}
