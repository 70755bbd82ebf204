package hashdb

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// cacheRev names the compiled tables in a cache directory. Bump it when
// Parse or the table format change what a list compiles to, so that old
// tables are not reused.
const cacheRev = 1

// Load opens the text list src as a table compiled into cacheDir. The
// table is named after the SHA-256 of src and reused while it is intact;
// otherwise src is parsed and compiled afresh. The line errors are those
// found when the table was compiled: they are kept beside it. name is the
// list name shown in verdicts.
func Load(name, src, cacheDir string) (*List, []LineError, error) {
	l, errs, err := load(src, cacheDir)
	if err != nil {
		return nil, nil, fmt.Errorf("load hash list %s: %w", src, err)
	}
	l.name = name
	return l, errs, nil
}

func load(src, cacheDir string) (*List, []LineError, error) {
	sum, err := fileSHA256(src)
	if err != nil {
		return nil, nil, err
	}
	if l, errs, ok := openCached(cachePath(cacheDir, sum)); ok {
		return l, errs, nil
	}

	f, err := os.Open(src)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	// Name the table after the bytes actually parsed, in case src changed
	// since it was hashed.
	h := sha256.New()
	entries, errs, err := Parse(io.TeeReader(f, h))
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, nil, err
	}
	base := cachePath(cacheDir, h.Sum(nil))
	// The rejects go first: a table without them is not reused.
	rejects, err := json.Marshal(errs)
	if err != nil {
		return nil, nil, err
	}
	err = atomicWrite(base+".rejects.json", func(f *os.File) error {
		_, err := f.Write(rejects)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if err := Write(base+".table", entries); err != nil {
		return nil, nil, err
	}
	l, err := open(base + ".table")
	if err != nil {
		return nil, nil, err
	}
	return l, errs, nil
}

func cachePath(dir string, sum []byte) string {
	return filepath.Join(dir, hex.EncodeToString(sum)+".r"+strconv.Itoa(cacheRev))
}

// openCached opens the table compiled earlier at base, if it and its
// rejects are present and its body checksum matches.
func openCached(base string) (*List, []LineError, bool) {
	b, err := os.ReadFile(base + ".rejects.json")
	if err != nil {
		return nil, nil, false
	}
	var errs []LineError
	if err := json.Unmarshal(b, &errs); err != nil {
		return nil, nil, false
	}
	if err := verify(base + ".table"); err != nil {
		return nil, nil, false
	}
	l, err := open(base + ".table")
	if err != nil {
		return nil, nil, false
	}
	return l, errs, true
}

// verify checks a table's header and its body checksum. It reads the file
// rather than mapping it, so that the pages read do not count against
// the process's resident memory.
func verify(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	r := bufio.NewReaderSize(f, 1<<20)
	hb := make([]byte, headerSize)
	if _, err := io.ReadFull(r, hb); err != nil {
		return fmt.Errorf("%w: no table header", ErrCorrupt)
	}
	h, err := parseHeader(hb, uint64(fi.Size()))
	if err != nil {
		return err
	}
	crc := crc32.New(castagnoli)
	if _, err := io.Copy(crc, r); err != nil {
		return err
	}
	if crc.Sum32() != h.bodyCRC {
		return fmt.Errorf("%w: body checksum mismatch", ErrCorrupt)
	}
	return nil
}

func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
