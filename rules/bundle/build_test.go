package bundle

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"
	"github.com/google/go-cmp/cmp"

	"github.com/sluice-ot/sluice/scanner/yara"
)

func TestBuildSignOpen(t *testing.T) {
	pub, priv := testKeys(t)
	opts := sampleInputs(t)
	out := filepath.Join(t.TempDir(), "bundle.tar")
	rep, err := Build(opts, out)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if len(rep.Rejects) != 1 || rep.Rejects[0].Member != "yara/broken.yar" || !strings.Contains(rep.Rejects[0].Message, "line 3") {
		t.Errorf("Rejects = %+v, want yara/broken.yar at line 3", rep.Rejects)
	}
	if len(rep.BadLines) != 1 || rep.BadLines[0].Line != 3 || rep.BadLines[0].Member != "hashes/block/block.txt" {
		t.Errorf("BadLines = %+v, want line 3 of block.txt", rep.BadLines)
	}
	if len(rep.Skipped) != 1 || filepath.Base(rep.Skipped[0]) != "README" {
		t.Errorf("Skipped = %v, want clam/README", rep.Skipped)
	}
	wantCounts := Counts{RuleFiles: 2, Rules: 3, BlockLists: 1, BlockEntries: 2, AllowLists: 1, AllowEntries: 1, ClamAVFiles: 1, ClamAVSignatures: 1}
	if diff := cmp.Diff(wantCounts, rep.Manifest.Counts); diff != "" {
		t.Errorf("Counts (-want +got):\n%s", diff)
	}
	var paths []string
	for _, m := range rep.Manifest.Contents {
		paths = append(paths, m.Path)
	}
	wantPaths := []string{"clamav/test.hdb", "hashes/allow/allow.txt", "hashes/block/block.txt", "yara/good.yar", "yara/sub_dir/second.yara"}
	if diff := cmp.Diff(wantPaths, paths); diff != "" {
		t.Errorf("member paths (-want +got):\n%s", diff)
	}

	must(t, Sign(out, priv))
	b, err := Open(out, []minisign.PublicKey{pub}, testNow)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if b.Name != "plant-rules" || b.Version != 3 || !b.Created.Equal(testNow) || b.KeyID != pub.ID() || b.SHA256 != rep.SHA256 {
		t.Errorf("Open = %s v%d created %v key %X sha %s, want plant-rules v3 %v key %X sha %s",
			b.Name, b.Version, b.Created, b.KeyID, b.SHA256, testNow, pub.ID(), rep.SHA256)
	}
	srcs, err := b.YARA()
	must(t, err)
	rules, err := yara.Compile(srcs)
	if err != nil {
		t.Fatalf("Compile(bundle sources): %v", err)
	}
	if rules.Count() != b.Counts.Rules || len(rules.Rejects()) != 0 {
		t.Errorf("bundle sources compile to %d rules, %v rejects; want %d, none", rules.Count(), rules.Rejects(), b.Counts.Rules)
	}
	rules.Close()
	for kind, want := range map[Kind]string{KindBlock: blockList, KindAllow: allowList, KindClamAV: clamHDB} {
		ms := b.Members(kind)
		if len(ms) != 1 {
			t.Fatalf("Members(%s) = %v, want one", kind, ms)
		}
		got, err := io.ReadAll(b.Reader(&ms[0]))
		must(t, err)
		if string(got) != want {
			t.Errorf("%s member = %q, want the list as given %q", kind, got, want)
		}
	}
	if b.Reader(&Member{Path: "yara/other.yar"}) != nil {
		t.Error("Reader of a member not in the bundle is not nil")
	}
	cp := b.Path()
	must(t, b.Close())
	if _, err := os.Stat(cp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close, Stat(%s) = %v, want not exist", cp, err)
	}
}

func TestBuildDeterministic(t *testing.T) {
	opts := sampleInputs(t)
	dir := t.TempDir()
	var tars [][]byte
	for _, name := range []string{"a.tar", "b.tar"} {
		out := filepath.Join(dir, name)
		if _, err := Build(opts, out); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		must(t, err)
		tars = append(tars, data)
	}
	if !bytes.Equal(tars[0], tars[1]) {
		t.Error("two builds of the same inputs and time differ")
	}
	opts.Now = func() time.Time { return testNow.Add(time.Second) }
	out := filepath.Join(dir, "c.tar")
	if _, err := Build(opts, out); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(out); bytes.Equal(data, tars[0]) {
		t.Error("builds at different times are equal; created should differ")
	}
}

func TestBuildStrict(t *testing.T) {
	opts := sampleInputs(t)
	opts.Strict = true
	out := filepath.Join(t.TempDir(), "bundle.tar")
	rep, err := Build(opts, out)
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("Build(strict) = %v, want ErrRejected", err)
	}
	if rep == nil || len(rep.Rejects) != 1 || len(rep.BadLines) != 1 {
		t.Errorf("Build(strict) report = %+v, want the reject and the bad line", rep)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Build(strict) wrote %s: %v", out, err)
	}
}

func TestBuildRejects(t *testing.T) {
	dir := t.TempDir()
	broken := writeFile(t, dir, "broken.yar", brokenRule)
	writeFile(t, dir, "inc/main.yar", "include \"other.yar\"\nrule M { condition: Other }\n")
	writeFile(t, dir, "inc/other.yar", "rule Other { condition: true }\n")
	yarc := writeFile(t, dir, "compiled.yarc", "YARA\x00\x01")
	good := writeFile(t, dir, "good.rules", goodRule)
	tests := []struct {
		name     string
		yara     []string
		wantErr  error
		rejected []string // members
		members  []string
	}{
		{"all broken", []string{broken}, ErrRejected, []string{"yara/broken.yar"}, nil},
		// Bundled sources live in memory on the station: includes fail.
		{"include", []string{filepath.Join(dir, "inc"), good}, nil, []string{"yara/main.yar"}, []string{"yara/good.rules.yar", "yara/other.yar"}},
		{"yarc", []string{yarc, good}, nil, []string{"yara/compiled.yarc"}, []string{"yara/good.rules.yar"}},
		{"empty folder", []string{t.TempDir()}, ErrRejected, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := BuildOptions{Name: "x", Version: 1, YARA: tt.yara, Now: fixedNow}
			rep, err := Build(opts, filepath.Join(t.TempDir(), "b.tar"))
			if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("Build = %v, want %v", err, tt.wantErr)
			}
			var rejected, members []string
			for _, r := range rep.Rejects {
				rejected = append(rejected, r.Member)
			}
			if rep.Manifest != nil {
				for _, m := range rep.Manifest.Contents {
					members = append(members, m.Path)
				}
			}
			if diff := cmp.Diff(tt.rejected, rejected); diff != "" {
				t.Errorf("rejected (-want +got):\n%s\n%+v", diff, rep.Rejects)
			}
			if diff := cmp.Diff(tt.members, members); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildRefuses(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a/x.yar", goodRule)
	writeFile(t, dir, "b/X.yar", secondRule)
	list := writeFile(t, dir, "list.txt", allowList)
	tests := []struct {
		name string
		opts BuildOptions
		want string
	}{
		{"no name", BuildOptions{Version: 1, YARA: []string{a}}, "invalid name"},
		{"space in name", BuildOptions{Name: "a b", Version: 1, YARA: []string{a}}, "invalid name"},
		{"version 0", BuildOptions{Name: "x", YARA: []string{a}}, "version 0"},
		{"expired", BuildOptions{Name: "x", Version: 1, YARA: []string{a}, Expires: testNow.Add(-time.Hour)}, "expires before"},
		{"nothing", BuildOptions{Name: "x", Version: 1}, "nothing to bundle"},
		{"missing file", BuildOptions{Name: "x", Version: 1, YARA: []string{filepath.Join(dir, "nope.yar")}}, "no such file"},
		{"case collision", BuildOptions{Name: "x", Version: 1, YARA: []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}}, "rename one"},
		{"list collision", BuildOptions{Name: "x", Version: 1, Block: []string{list, list}}, "rename one"},
		{"member too large", BuildOptions{Name: "x", Version: 1, Block: []string{list}, Limits: Limits{MaxMember: 10}}, "over the 10 limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Now = fixedNow
			out := filepath.Join(t.TempDir(), "b.tar")
			_, err := Build(tt.opts, out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build = %v, want an error with %q", err, tt.want)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Build wrote %s after failing", out)
			}
		})
	}
}

// A rebuild replaces the tar and removes the old signature, which no
// longer matches it.
func TestBuildRemovesStaleSignature(t *testing.T) {
	_, priv := testKeys(t)
	out := buildSigned(t, priv)
	opts := sampleInputs(t)
	opts.Version = 4
	rep, err := Build(opts, out)
	must(t, err)
	if _, err := os.Stat(out + SignatureExt); !rep.RemovedSignature || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a rebuild: RemovedSignature = %v, Stat(.minisig) = %v; want true, not exist", rep.RemovedSignature, err)
	}
}

func TestSanitize(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a.yar", "a.yar"},
		{"sub dir/x-1+2.yara", "sub_dir/x-1+2.yara"},
		{"é\u202e.yar", "_____.yar"},
		{"a\\b:c*?.yar", "a_b_c__.yar"},
	} {
		if got := sanitize(tt.in); got != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
