package media

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/sluice-ot/sluice/transfer"
)

func probs(kinds ...string) []transfer.Problem {
	var out []transfer.Problem
	for _, k := range kinds {
		out = append(out, transfer.Problem{Kind: k})
	}
	return out
}

func TestJudge(t *testing.T) {
	valid := Partition{Name: "p1", FSType: "vfat", Transfer: "t1"}
	unsigned := Partition{Name: "p2", FSType: "vfat", Problems: probs(ProblemNoTransfer)}
	empty := Partition{Name: "p3"} // no filesystem signature at all
	tests := []struct {
		name    string
		parts   []Partition
		allowed bool
		reason  string
	}{
		{"one valid", []Partition{valid}, true, ReasonValid},
		{"valid beside empty space", []Partition{valid, empty}, true, ReasonValid},
		{"valid and unsigned", []Partition{valid, unsigned}, false, ReasonMixed},
		{"unsigned and valid", []Partition{unsigned, valid}, false, ReasonMixed},
		{"valid and unmountable", []Partition{valid, {Name: "p2", FSType: "vfat", Problems: probs(ProblemUnmountable)}}, false, ReasonMixed},
		{"nothing", nil, false, ReasonNoFS},
		{"only empty space", []Partition{empty}, false, ReasonNoFS},
		{"unsigned alone", []Partition{unsigned}, false, ReasonNoTransfer},
		{"plain transfer problems", []Partition{{FSType: "vfat", Problems: probs(transfer.ProblemMissingManifest, transfer.ProblemUnsigned)}}, false, ReasonUnsigned},
		{"size is a change", []Partition{{FSType: "vfat", Problems: probs(transfer.ProblemSizeMismatch)}}, false, ReasonChangedFile},
		{"authenticity first", []Partition{{FSType: "vfat", Problems: probs(transfer.ProblemExtraFile, transfer.ProblemExpired, transfer.ProblemUntrustedKey)}}, false, ReasonUntrustedKey},
		{"expired before content", []Partition{{FSType: "vfat", Problems: probs(transfer.ProblemChangedFile, transfer.ProblemExpired)}}, false, ReasonExpired},
		{"worst over volumes", []Partition{{FSType: "vfat", Problems: probs(transfer.ProblemExtraFile)}, {FSType: "vfat", Problems: probs(ProblemUnsupported)}}, false, ReasonUnsupported},
		{"unknown kind", []Partition{{FSType: "vfat", Problems: probs("something-new")}}, false, ReasonUnknownReason},
	}
	for _, tt := range tests {
		res := judge(append([]Partition(nil), tt.parts...))
		if res.Allowed != tt.allowed || res.Reason != tt.reason {
			t.Errorf("%s: judge = %v %q, want %v %q", tt.name, res.Allowed, res.Reason, tt.allowed, tt.reason)
		}
	}
}

func TestJudgePartitionReasons(t *testing.T) {
	res := judge([]Partition{
		{Name: "p1", FSType: "vfat", Transfer: "t1"},
		{Name: "p2", FSType: "ext4", Problems: probs(ProblemNoTransfer)},
		{Name: "p3"},
	})
	want := []struct {
		valid  bool
		reason string
	}{{true, ReasonValid}, {false, ReasonNoTransfer}, {false, ReasonNoFS}}
	for i, w := range want {
		if p := res.Partitions[i]; p.Valid != w.valid || p.Reason != w.reason {
			t.Errorf("partition %s = %v %q, want %v %q", p.Name, p.Valid, p.Reason, w.valid, w.reason)
		}
	}
}

// Every kind transfer.Verify reports has a reason of its own.
func TestEveryProblemKindMapped(t *testing.T) {
	for _, k := range []string{
		transfer.ProblemUnsigned, transfer.ProblemBadSignature, transfer.ProblemUntrustedKey,
		transfer.ProblemCommentMismatch, transfer.ProblemMissingManifest, transfer.ProblemMalformedManifest,
		transfer.ProblemExpired, transfer.ProblemMissingFile, transfer.ProblemChangedFile,
		transfer.ProblemSizeMismatch, transfer.ProblemSymlink, transfer.ProblemNotRegular,
		transfer.ProblemExtraFile, transfer.ProblemExtraDir, transfer.ProblemUnreadable,
	} {
		r := reasonFor(k)
		if r == ReasonUnknownReason || rank(r) == len(reasonRank) {
			t.Errorf("reasonFor(%q) = %q, unranked", k, r)
		}
	}
}

func TestExposeName(t *testing.T) {
	tests := []struct{ label, uuid, dev, want string }{
		{"PLANT DATA", "1234-ABCD", "loop0", "PLANT DATA"},
		{"", "1234-ABCD", "loop0", "1234-ABCD"},
		{"", "", "loop0p1", "loop0p1"},
		{"", "", "", "drive"},
		{"../../etc", "u", "d", "_.._etc"},
		{"..", "u", "d", "u"},
		{".hidden", "u", "d", "hidden"},
		{"a/b\\c", "u", "d", "a_b_c"},
		{"  two   spaces  ", "u", "d", "two spaces"},
		{"bell\a\x1b[31mred", "u", "d", "bell[31mred"},
		{"evil\u202etxt.exe", "u", "d", "eviltxt.exe"},
		{"zero\u200bwidth", "u", "d", "zerowidth"},
		{"bad\xffutf8", "u", "d", "badutf8"},
		{"\x00\x01", "", "sdb", "sdb"},
		{"Données", "u", "d", "Données"},
	}
	for _, tt := range tests {
		if got := exposeName(tt.label, tt.uuid, tt.dev); got != tt.want {
			t.Errorf("exposeName(%q, %q, %q) = %q, want %q", tt.label, tt.uuid, tt.dev, got, tt.want)
		}
	}
	long := strings.Repeat("é", 100)
	if got := exposeName(long, "", ""); len(got) > maxNameBytes || !utf8.ValidString(got) {
		t.Errorf("exposeName(200 bytes) = %q (%d bytes)", got, len(got))
	}
	if got := candidate(strings.Repeat("x", maxNameBytes), 2); len(got) > maxNameBytes || !strings.HasSuffix(got, "-3") {
		t.Errorf("candidate(64 x, 2) = %q", got)
	}
}

// checkName is what every exposure name must be.
func checkName(t *testing.T, in, got string) {
	t.Helper()
	switch {
	case got == "", got == ".", got == "..", strings.HasPrefix(got, "."):
		t.Fatalf("name(%q) = %q: empty or dotted", in, got)
	case strings.ContainsAny(got, "/\\\x00"):
		t.Fatalf("name(%q) = %q: separator", in, got)
	case !utf8.ValidString(got), len(got) > maxNameBytes:
		t.Fatalf("name(%q) = %q: invalid or too long", in, got)
	case strings.TrimSpace(got) != got:
		t.Fatalf("name(%q) = %q: outer spaces", in, got)
	}
	for _, r := range got {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Fatalf("name(%q) = %q: control or format character %U", in, got, r)
		}
	}
}

func FuzzExposeName(f *testing.F) {
	for _, s := range []string{"PLANT DATA", "../..", "a\u202eb", "\xff\xfe", " . ", strings.Repeat("ü", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, label string) {
		got := exposeName(label, "", "")
		checkName(t, label, got)
		for i := range 3 {
			checkName(t, label, candidate(got, i))
		}
	})
}

func TestDecodeUdev(t *testing.T) {
	tests := map[string]string{
		`PLANT\x20DATA`: "PLANT DATA",
		`a\x2fb`:        "a/b",
		`trail\x2`:      `trail\x2`,
		`bad\xZZ`:       `bad\xZZ`,
		`plain`:         "plain",
		`\x1b\x5b`:      "\x1b[",
	}
	for in, want := range tests {
		if got := decodeUdev(in); got != want {
			t.Errorf("decodeUdev(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFusefatLabelNames(t *testing.T) {
	tests := []struct {
		label string
		want  []string
	}{
		{"MY STICK", []string{"MYSTICK"}},
		{"PLANT DATA", []string{"PLANTDATA", "PLANTDA.TA"}},
		{"data2024abc", []string{"DATA2024ABC", "DATA2024.ABC"}},
		{"X", []string{"X"}},
	}
	for _, tt := range tests {
		got := fusefatLabelNames(tt.label)
		if len(got) != len(tt.want) {
			t.Errorf("fusefatLabelNames(%q) = %v, want %v", tt.label, got, tt.want)
		}
		for _, w := range tt.want {
			if !got[w] {
				t.Errorf("fusefatLabelNames(%q) = %v, want %q in it", tt.label, got, w)
			}
		}
	}
}
