package kiosk

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"aead.dev/minisign"

	"github.com/sluice-ot/sluice/kiosk/api"
	"github.com/sluice-ot/sluice/kiosk/device"
	"github.com/sluice-ot/sluice/rules/bundle"
)

// fakeUpdater records the bundles it is asked to import.
type fakeUpdater struct {
	mu       sync.Mutex
	admin    bool
	imported []string
}

func (u *fakeUpdater) AdminPresent() bool { return u.admin }

// updateKey is the admin key the bundles of these tests are signed with.
var updateKey = sync.OnceValues(func() (minisign.PublicKey, minisign.PrivateKey) {
	pub, priv, err := minisign.GenerateKey(nil)
	if err != nil {
		panic(err)
	}
	return pub, priv
})

func (u *fakeUpdater) SignedVersion(path string) (int, error) {
	pub, _ := updateKey()
	return bundle.SignedVersion(path, []minisign.PublicKey{pub})
}

func (u *fakeUpdater) Import(path, who string) (api.RuleBundle, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.imported = append(u.imported, filepath.Base(path))
	return api.RuleBundle{Name: "plant-rules", Version: len(u.imported)}, nil
}

// signedBundle builds and signs a small bundle of the given version and
// returns its tar and signature bytes.
func signedBundle(t *testing.T, version int) (tarData, sig []byte) {
	t.Helper()
	dir := t.TempDir()
	rule := filepath.Join(dir, "r.yar")
	if err := os.WriteFile(rule, []byte("rule Update_Marker { strings: $a = \"update-marker\" condition: $a }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "b.tar")
	if _, err := bundle.Build(bundle.BuildOptions{Name: "plant-rules", Version: version, YARA: []string{rule}}, out); err != nil {
		t.Fatal(err)
	}
	_, key := updateKey()
	if err := bundle.Sign(out, key); err != nil {
		t.Fatal(err)
	}
	tarData, _ = os.ReadFile(out)
	sig, _ = os.ReadFile(out + bundle.SignatureExt)
	return tarData, sig
}

func updateDrive(t *testing.T, r *rig, dev string) device.Drive {
	t.Helper()
	t2, s2 := signedBundle(t, 2)
	t1, s1 := signedBundle(t, 1)
	// Named so that name order is not version order.
	return r.drive(t, dev, map[string][]byte{
		"sluice-update/a-new.tar": t2, "sluice-update/a-new.tar.minisig": s2,
		"sluice-update/b-old.tar": t1, "sluice-update/b-old.tar.minisig": s1,
		"notes.txt": []byte("release notes"),
	})
}

// With an admin logged in, an update drive's bundles are imported in
// version order, and nothing of the drive is scanned or transferred.
func TestUpdateDrive(t *testing.T) {
	r := newRig(t)
	u := &fakeUpdater{admin: true}
	r.st.d.Updates = u
	r.events <- device.Event{Kind: device.Inserted, Drive: updateDrive(t, r, "/dev/sdu1x")}
	s := r.waitEnd(t)
	if s.State != api.Done || s.Reason != api.ReasonUpdate || s.TransferPath != "" {
		t.Fatalf("session = %+v, want done: update, nothing transferred", s)
	}
	if !slices.Equal(u.imported, []string{"b-old.tar", "a-new.tar"}) {
		t.Errorf("imported %v, want version 1 then version 2", u.imported)
	}
	files := r.rec.files[s.ID]
	if len(files) != 2 || files[0].Verdict != "installed" || files[1].Verdict != "installed" {
		t.Errorf("recorded %+v, want one installed line per bundle", files)
	}
}

// Without an admin logged in, the same drive is an operator's drive:
// scanned, never imported.
func TestUpdateDriveWithoutAdmin(t *testing.T) {
	r := newRig(t)
	u := &fakeUpdater{admin: false}
	r.st.d.Updates = u
	r.events <- device.Event{Kind: device.Inserted, Drive: updateDrive(t, r, "/dev/sdu2x")}
	s := r.waitEnd(t)
	if s.Reason == api.ReasonUpdate || len(u.imported) != 0 || s.Counts.Clean+s.Counts.Blocked+s.Counts.Infected == 0 {
		t.Errorf("session = %+v, imported %v; want a normal scan and no import", s, u.imported)
	}
}

// Links on a hostile update drive are never followed: a linked bundle is
// ignored, and a bundle whose signature is a link is refused unread.
func TestUpdateDriveLinks(t *testing.T) {
	r := newRig(t)
	u := &fakeUpdater{admin: true}
	r.st.d.Updates = u
	tarData, _ := signedBundle(t, 3)
	d := r.drive(t, "/dev/sdu3x", map[string][]byte{"sluice-update/ok.tar": tarData})
	dir := r.mnt.trees["/dev/sdu3x1"]
	if err := os.Symlink("/etc/shadow", filepath.Join(dir, "sluice-update", "ok.tar.minisig")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "sluice-update", "zero.tar")); err != nil {
		t.Fatal(err)
	}
	r.events <- device.Event{Kind: device.Inserted, Drive: d}
	s := r.waitEnd(t)
	if len(u.imported) != 0 {
		t.Errorf("imported %v through links", u.imported)
	}
	files := r.rec.files[s.ID]
	if s.Reason != api.ReasonUpdate || len(files) != 1 || files[0].Verdict != "refused" {
		t.Errorf("session %+v, files %+v; want ok.tar refused and zero.tar ignored", s, files)
	}
}

// A drive with more bundles than maxUpdates: the excess is refused
// unread, by name.
func TestUpdateDriveTooMany(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, updateDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range maxUpdates + 3 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("b%03d.tar", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found := findUpdates(map[string]string{"p1": root})
	refused := 0
	for _, b := range found {
		if strings.Contains(b.refuse, "more than") {
			refused++
		}
	}
	if len(found) != maxUpdates+3 || refused != 3 {
		t.Errorf("findUpdates: %d found, %d refused as too many; want %d and 3", len(found), refused, maxUpdates+3)
	}
}

// Bundles are ordered by the version their trusted signature names; one
// without (unsigned, untrusted, tampered) goes last, unparsed, and one
// refused unread is not even verified.
func TestUpdateOrder(t *testing.T) {
	versions := map[string]int{"/u/v3.tar": 3, "/u/v1.tar": 1}
	var asked []string
	u := updates{{path: "/u/untrusted.tar"}, {path: "/u/v3.tar"}, {path: "/u/excess.tar", refuse: "too many"}, {path: "/u/v1.tar"}}
	u.order(func(p string) (int, error) {
		asked = append(asked, p)
		if v, ok := versions[p]; ok {
			return v, nil
		}
		return 9, fmt.Errorf("untrusted key")
	})
	var got []string
	for _, b := range u {
		got = append(got, filepath.Base(b.path))
	}
	if want := []string{"v1.tar", "v3.tar", "excess.tar", "untrusted.tar"}; !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
	if slices.Contains(asked, "/u/excess.tar") {
		t.Error("a bundle refused unread was verified")
	}
}
