package bundle

import (
	"archive/tar"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the seed tars in testdata/")

type malformedCase struct {
	name   string
	raw    []byte
	want   error // nil: valid
	limits Limits
}

// withExtra is a valid bundle of goodMembers followed by extra members
// that bundle.json does not list.
func withExtra(t testing.TB, extra ...ent) []byte {
	g := goodMembers()
	return mkTar(t, append(append([]ent{manifestEnt(t, manifestFor(t, g...))}, g...), extra...)...)
}

// withManifest is goodMembers under a bundle.json edited as text.
func withManifest(t testing.TB, edit func(string) string) []byte {
	g := goodMembers()
	data, err := manifestFor(t, g...).encode()
	must(t, err)
	return mkTar(t, append([]ent{file(ManifestName, edit(string(data)))}, g...)...)
}

// headerOnly is a tar cut right after one member's header, whatever
// size it declares.
func headerOnly(t testing.TB, prefix []ent, e ent) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, p := range prefix {
		hdr := p.hdr
		must(t, tw.WriteHeader(&hdr))
		tw.Write([]byte(p.data))
	}
	must(t, tw.WriteHeader(&e.hdr))
	return b.Bytes()
}

func malformedCases(t testing.TB) []malformedCase {
	g := goodMembers()
	m := manifestEnt(t, manifestFor(t, g...))
	pax := file("yara/p.yar", "x")
	pax.hdr.Format, pax.hdr.PAXRecords = tar.FormatPAX, map[string]string{"comment": "x"}
	gnu := file("yara/g.yar", "x")
	gnu.hdr.Format = tar.FormatGNU
	big := file("yara/big.yar", "")
	big.hdr.Size = 4 << 30
	short := file("yara/short.yar", strings.Repeat("x", 100))
	changed := file("yara/a.yar", strings.Replace(goodRule, "7731", "7732", 1))
	dir := special(tar.TypeDir, "yara/", "")
	return []malformedCase{
		{name: "valid", raw: validTar(t)},
		{name: "valid-with-dirs", raw: mkTar(t, m, dir, g[0], special(tar.TypeDir, "yara/sub/", ""), g[1])},
		{name: "not-a-tar", raw: bytes.Repeat([]byte("not a tar archive\n"), 60), want: ErrMalformed},
		{name: "empty", raw: mkTar(t), want: ErrNoManifest},
		{name: "no-manifest", raw: mkTar(t, g...), want: ErrNoManifest},
		{name: "manifest-not-first", raw: mkTar(t, g[0], m, g[1]), want: ErrNoManifest},
		{name: "manifest-is-dir", raw: mkTar(t, special(tar.TypeDir, "bundle.json/", "")), want: ErrNoManifest},
		{name: "manifest-too-large", raw: validTar(t), want: ErrTooLarge, limits: Limits{MaxManifest: 100}},
		{name: "traversal", raw: withExtra(t, file("yara/../../etc/cron.d/x.yar", "x")), want: ErrUnsafePath},
		{name: "absolute", raw: withExtra(t, file("/etc/x.yar", "x")), want: ErrUnsafePath},
		{name: "backslash", raw: withExtra(t, file("yara\\..\\x.yar", "x")), want: ErrUnsafePath},
		{name: "non-utf8", raw: patchName(t, withExtra(t, file("yara/zz.yar", "x")), "yara/zz.yar", "yara/\xff\xfe.yar"), want: ErrUnsafePath},
		{name: "control-char", raw: patchName(t, withExtra(t, file("yara/zz.yar", "x")), "yara/zz.yar", "yara/\x1b\x07.yar"), want: ErrUnsafePath},
		{name: "symlink", raw: withExtra(t, special(tar.TypeSymlink, "yara/l.yar", "/etc/passwd")), want: ErrLink},
		{name: "hardlink", raw: withExtra(t, special(tar.TypeLink, "yara/h.yar", "yara/a.yar")), want: ErrLink},
		{name: "char-device", raw: withExtra(t, special(tar.TypeChar, "yara/c.yar", "")), want: ErrSpecial},
		{name: "block-device", raw: withExtra(t, special(tar.TypeBlock, "yara/b.yar", "")), want: ErrSpecial},
		{name: "fifo", raw: withExtra(t, special(tar.TypeFifo, "yara/f.yar", "")), want: ErrSpecial},
		{name: "huge-truncated", raw: headerOnly(t, append([]ent{m}, g...), big), want: ErrTooLarge},
		{name: "over-member-limit", raw: validTar(t), want: ErrTooLarge, limits: Limits{MaxMember: 20}},
		{name: "over-total-limit", raw: validTar(t), want: ErrTooLarge, limits: Limits{MaxTotal: 60}},
		{name: "too-many-members", raw: validTar(t), want: ErrTooLarge, limits: Limits{MaxMembers: 2}},
		{name: "truncated", raw: mkTar(t, manifestEnt(t, manifestFor(t, short)), short)[:512*3+10], want: ErrMalformed},
		{name: "duplicate", raw: mkTar(t, m, g[0], g[1], g[1]), want: ErrDuplicate},
		{name: "duplicate-case", raw: withExtra(t, file("yara/A.yar", goodRule)), want: ErrDuplicate},
		{name: "duplicate-manifest", raw: withExtra(t, file("Bundle.JSON", "{}")), want: ErrDuplicate},
		{name: "unlisted", raw: withExtra(t, file("yara/extra.yar", goodRule)), want: ErrUnlisted},
		{name: "missing", raw: mkTar(t, m, g[0]), want: ErrMissing},
		{name: "sha256-mismatch", raw: mkTar(t, m, g[0], changed), want: ErrMismatch},
		{name: "size-mismatch", raw: mkTar(t, m, g[0], file("yara/a.yar", goodRule+" ")), want: ErrMismatch},
		{name: "pax", raw: withExtra(t, pax), want: ErrMalformed},
		{name: "gnu", raw: withExtra(t, gnu), want: ErrMalformed},
		{name: "trailing-data", raw: append(validTar(t), []byte("appended")...), want: ErrMalformed},
		{name: "unknown-field", raw: withManifest(t, func(s string) string { return strings.Replace(s, "{", "{\"extra\": 1,", 1) }), want: ErrBadManifest},
		{name: "case-variant-key", raw: withManifest(t, func(s string) string { return strings.Replace(s, `"name"`, `"Name"`, 1) }), want: ErrBadManifest},
		{name: "duplicate-key", raw: withManifest(t, func(s string) string { return strings.Replace(s, `"version": 1,`, `"version": 1, "version": 9,`, 1) }), want: ErrBadManifest},
		{name: "format-version", raw: withManifest(t, func(s string) string { return strings.Replace(s, `"format": 1`, `"format": 2`, 1) }), want: ErrFormatVersion},
		{name: "counts", raw: withManifest(t, func(s string) string { return strings.Replace(s, `"rule_files": 1`, `"rule_files": 2`, 1) }), want: ErrBadManifest},
		{name: "kind", raw: withManifest(t, func(s string) string { return strings.Replace(s, `"kind": "yara"`, `"kind": "block"`, 1) }), want: ErrBadManifest},
		{name: "version-0", raw: withManifest(t, func(s string) string { return strings.Replace(s, `"version": 1`, `"version": 0`, 1) }), want: ErrBadManifest},
		{name: "not-json", raw: withManifest(t, func(s string) string { return s[:len(s)/2] }), want: ErrBadManifest},
		{name: "trailing-json", raw: withManifest(t, func(s string) string { return s + "{}" }), want: ErrBadManifest},
		{name: "yarc-listed", raw: func() []byte {
			y := file("yara/x.yarc", "YARA")
			mm := manifestFor(t, y)
			return mkTar(t, manifestEnt(t, mm), y)
		}(), want: ErrBadManifest},
	}
}

func TestReadTarCases(t *testing.T) {
	for _, tc := range malformedCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readTar(bytes.NewReader(tc.raw), tc.limits, discard)
			if (err == nil) != (tc.want == nil) || tc.want != nil && !errorsIs(err, tc.want) {
				t.Fatalf("readTar = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestSeeds keeps testdata/seeds in step with the cases: the fuzzer
// starts from them, and "tar tvf" shows what each holds. Run with
// -update to rewrite them.
func TestSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "seeds")
	for _, tc := range malformedCases(t) {
		if tc.limits != (Limits{}) {
			continue // the same bytes as valid.tar
		}
		p := filepath.Join(dir, tc.name+".tar")
		if *update {
			must(t, os.MkdirAll(dir, 0o755))
			must(t, os.WriteFile(p, tc.raw, 0o644))
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, tc.raw) {
			t.Errorf("%s is missing or stale (%v); run go test -run TestSeeds -update", p, err)
		}
	}
}
