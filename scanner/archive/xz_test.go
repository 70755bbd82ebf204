package archive_test

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/scanner/archive"
)

// Dictionary size codes of an LZMA2 filter: 2 or 3 times a power of two.
const (
	dict8MiB   = 22 // 2 << 22
	dict1_5GiB = 37 // 3 << 29
	dict4GiB   = 40 // 0xffffffff
)

// hostileXZ are xz files whose blocks ask for dictionaries beyond
// XZDictMax: in the first block, in a later block, and in a second
// stream. They are also the fuzz seeds named xz-hostile-*.
func hostileXZ() map[string][]byte {
	return map[string][]byte{
		"dict-1.5GiB":   xzFile(dict1_5GiB, readme),
		"dict-4GiB":     xzFile(dict4GiB, readme),
		"second-block":  joinBlocks(xzFile(dict8MiB, readme), dict1_5GiB),
		"second-stream": append(xzFile(dict8MiB, readme), xzFile(dict1_5GiB, readme)...),
	}
}

// joinBlocks is a two-block stream: a block of readme under an 8 MiB
// dictionary, then one under the dictionary code given.
func joinBlocks(_ []byte, second byte) []byte {
	two := xzFile(dict8MiB, readme, readme)
	// The second block header is the first one's twin, after the first
	// block: patch its dictionary code and header checksum.
	first := bytes.Index(two, []byte{0x02, 0x00, 0x21, 0x01, dict8MiB})
	at := bytes.Index(two[first+1:], []byte{0x02, 0x00, 0x21, 0x01, dict8MiB}) + first + 1
	hdr := two[at : at+8]
	hdr[4] = second
	copy(two[at+8:], le(nil, crc32IEEE(hdr)))
	return two
}

func TestXZDictionaryLimit(t *testing.T) {
	for name, data := range hostileXZ() {
		var got []seen
		var err error
		n := allocated(func() { got, err = walkMem("xz", data, archive.Limits{}) })
		if !errors.Is(err, archive.ErrDictionaryLimit) {
			t.Errorf("Walk(xz %s) = %+v, %v; want ErrDictionaryLimit", name, got, err)
		}
		// The one 8 MiB dictionary of the first stream or block, at most.
		if n > 10<<20 {
			t.Errorf("Walk(xz %s) allocated %d bytes, want under 10 MiB", name, n)
		}
		t.Logf("%s: %d bytes allocated: %v", name, n, err)
	}
}

// The hand-built streams are valid xz under a dictionary within the limit,
// so the refusals above are for the dictionary alone.
func TestXZBuiltStreams(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 10_000) // several chunks
	for name, data := range map[string][]byte{
		"one block":   xzFile(dict8MiB, readme),
		"two blocks":  xzFile(dict8MiB, readme, big),
		"two streams": append(append(xzFile(dict8MiB, readme), 0, 0, 0, 0), xzFile(dict8MiB, big)...),
	} {
		got, err := walkMem("xz", data, archive.Limits{})
		if err != nil || len(got) != 1 || !strings.HasPrefix(got[0].data, string(readme)) {
			t.Errorf("Walk(xz %s) = %d members, %v; want the data", name, len(got), err)
		}
	}
}

// Damage anywhere in a stream is an error, never a hang or a panic.
func TestXZCorrupt(t *testing.T) {
	good := xzFile(dict8MiB, readme, readme)
	for i := range good {
		bad := bytes.Clone(good)
		bad[i] ^= 0x55
		if _, err := walkMem("xz", bad, archive.Limits{}); err == nil {
			t.Errorf("Walk(xz with byte %d flipped) = nil error, want one", i)
		}
	}
	for n := range len(good) {
		if _, err := walkMem("xz", good[:n], archive.Limits{}); err == nil {
			t.Errorf("Walk(xz cut to %d bytes) = nil error, want one", n)
		}
	}
}

// gzip and bzip2 size nothing by their headers beyond what the formats
// bound: gzip's extra field (64 KiB at most) and bzip2's block size (at
// most 900 kB, which the decoder holds as 3.6 MB of uint32).
func TestStreamHeadersBounded(t *testing.T) {
	gz := []byte{0x1f, 0x8b, 8, 0x04 | 0x08, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff}
	gz = append(gz, bytes.Repeat([]byte{'x'}, 0xffff)...)
	gz = append(gz, bytes.Repeat([]byte{'n'}, 1<<20)...) // a name with no end
	n := allocated(func() {
		if zr, err := gzip.NewReader(bytes.NewReader(gz)); err == nil {
			io.Copy(io.Discard, zr)
		}
	})
	if n > 1<<20 {
		t.Errorf("gzip with the largest extra field and an endless name allocated %d bytes, want under 1 MiB", n)
	}
	bz := append([]byte("BZh9"), bytes.Repeat([]byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0xff}, 1000)...)
	n = allocated(func() { io.Copy(io.Discard, bzip2.NewReader(bytes.NewReader(bz))) })
	if n > 8<<20 {
		t.Errorf("bzip2 level 9 with damaged blocks allocated %d bytes, want under 8 MiB", n)
	}
}

// Many tiny blocks, each asking for the largest dictionary allowed: each
// would be allocated and cleared for a few bytes of input. The blocks'
// dictionaries may add up to XZDictMax plus twice what was decoded.
func TestXZManyBlocks(t *testing.T) {
	blocks := make([][]byte, 200)
	for i := range blocks {
		blocks[i] = readme
	}
	data := xzFile(28, blocks...) // 64 MiB each
	var err error
	n := allocated(func() { _, err = walkMem("xz", data, archive.Limits{}) })
	if !errors.Is(err, archive.ErrDictionaryLimit) {
		t.Errorf("Walk(200 blocks of 64 MiB dictionaries) error = %v, want ErrDictionaryLimit", err)
	}
	if n > 80<<20 {
		t.Errorf("Walk(200 blocks of 64 MiB dictionaries) allocated %d bytes, want under 80 MiB", n)
	}
	t.Logf("%d bytes allocated: %v", n, err)
	// The same blocks decode when they declare their sizes, as xz
	// writes them when it splits a file: the sizes bound the
	// dictionaries.
	got, err := walkMem("xz", xzBuild(28, true, blocks...), archive.Limits{})
	if err != nil || len(got) != 1 || len(got[0].data) != 200*len(readme) {
		t.Errorf("Walk(200 sized blocks) = %d members, %v; want the data", len(got), err)
	}
}
