package hashdb

import (
	"testing"

	"github.com/sluice-ot/sluice/internal/testenv"
)

// TestHashIOCs parses and compiles the real signature-base hash list. It
// skips when ../shared is absent, unless SLUICE_REQUIRE_INTEGRATION=1,
// where a skip would hide that the list was never checked.
func TestHashIOCs(t *testing.T) {
	hashIOCs := testenv.SharedPath(t, "rulesets/signature-base/iocs/hash-iocs.txt")
	l, errs, err := Load("hash-iocs.txt", hashIOCs, t.TempDir())
	if err != nil {
		t.Fatalf("Load(%s) error = %v, want nil", hashIOCs, err)
	}
	defer l.Close()
	// The list holds only well-formed LOKI lines; any reject is a format
	// Parse does not know yet.
	for _, e := range errs {
		t.Errorf("reject: %v", e)
	}
	total := l.Len(MD5) + l.Len(SHA1) + l.Len(SHA256)
	t.Logf("hash-iocs.txt: %d distinct digests (md5 %d, sha1 %d, sha256 %d), %d rejects",
		total, l.Len(MD5), l.Len(SHA1), l.Len(SHA256), len(errs))
	if total < 1000 {
		t.Errorf("hash-iocs.txt has %d distinct digests, want at least 1000", total)
	}
	for _, a := range algos {
		if l.Len(a) == 0 {
			t.Errorf("Len(%s) = 0, want the list to hold some", a)
		}
	}
	// The first entry after the examples in LOKI's list, checked in.
	sum := mustHex(t, "ce583821191345274cd954b2db7da9742c239fe413fc17dcb97ffdd7b51cb072")
	if label, ok := l.Lookup(SHA256, sum); !ok || label != "Dark Caracal - MS Windows HtmlHelp Data" {
		t.Errorf("Lookup(sha256, %x) = %q, %t, want the Dark Caracal label", sum, label, ok)
	}
}
