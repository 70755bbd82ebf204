package transfer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"aead.dev/minisign"
)

// Manifest and signature names, relative to a transfer root.
const (
	ManifestPath  = metaDir + "/manifest.json"
	SignaturePath = ManifestPath + ".minisig"
)

// Info is what the station knows about the session, for the manifest.
type Info struct {
	Source   Media
	Operator string
	Engines  []Component
	Rules    []Component
	// Blocked counts the files held back, by reason.
	Blocked map[string]int
}

// crashPoint, when set, is called at named points of Publish. Only the
// crash tests set it, in a helper process, to be killed there.
var crashPoint func(name string)

func reach(point string) {
	if crashPoint != nil {
		crashPoint(point)
	}
}

// Publish resolves the final names, writes and signs the manifest, syncs
// everything, then renames the staging directory to dest/<transfer-id>
// in one step and syncs dest. It returns the final path.
//
// Whatever the outcome, the staging directory is gone when Publish
// returns: a failure before the rename removes it, and nothing is left at
// a final name. If only the last sync of dest fails, the transfer is in
// place but its durability is unknown: Publish returns the path and the
// error.
func (s *Staging) Publish(key minisign.PrivateKey, info Info) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return "", fmt.Errorf("publish transfer: %w", err)
	}
	if s.inflight > 0 {
		return "", fmt.Errorf("publish transfer: %d files still being added", s.inflight)
	}
	final := filepath.Join(s.dest, s.id)
	if err := s.publish(key, info, final); err != nil {
		s.abortLocked()
		if isDestError(err) {
			return "", err // already "write transfer: ..."
		}
		return "", fmt.Errorf("publish transfer: %w", err)
	}
	s.closed = true
	s.unlock()
	reach("renamed")
	if err := syncDir(s.dest); err != nil {
		return final, fmt.Errorf("publish transfer: sync %s: %w", s.dest, destError(err))
	}
	return final, nil
}

func (s *Staging) publish(key minisign.PrivateKey, info Info, final string) error {
	if len(s.files) == 0 {
		return ErrEmpty
	}
	m, err := s.place(info)
	if err != nil {
		return err
	}
	reach("placed")
	data, sig, err := sign(m, key)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{ManifestPath, data}, {SignaturePath, sig}} {
		if err := writeFile(filepath.Join(s.dir, filepath.FromSlash(f.name)), f.data); err != nil {
			return err
		}
	}
	reach("signed")
	if err := s.syncDirs(); err != nil {
		return err
	}
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return destError(err)
	}
	if err := syncDir(s.dir); err != nil {
		return destError(err)
	}
	reach("before-rename")
	if err := renameNoReplace(s.dir, final); err != nil {
		return destError(err)
	}
	s.manifest = m
	return nil
}

// place resolves the final names, moves every copy from the blobs
// directory to its final path and builds the manifest.
func (s *Staging) place(info Info) (*Manifest, error) {
	if err := s.root.resolve(true); err != nil {
		return nil, err
	}
	files := make([]File, 0, len(s.files))
	err := s.root.walk("", func(k *node, p string) error {
		target := filepath.Join(s.dir, filepath.FromSlash(p))
		if !safePath(p) || !strings.HasPrefix(target, s.dir+string(filepath.Separator)) {
			return fmt.Errorf("unsafe final path %q", p) // cannot happen: SafeName output
		}
		if k.kids != nil {
			return mkdir(target)
		}
		f := s.files[k.file]
		orig := f.Original
		if orig == "" {
			orig = f.Path
		}
		f.Path, f.Original = p, ""
		if p != orig {
			f.Original = orig
		}
		files = append(files, f)
		return destError(os.Rename(k.blob, target))
	})
	if err != nil {
		return nil, err
	}
	if err := os.Remove(filepath.Join(s.dir, metaDir, "blobs")); err != nil {
		return nil, destError(err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	created := s.now().UTC().Truncate(time.Second)
	m := &Manifest{
		FormatVersion: FormatVersion,
		ID:            s.id,
		Station:       s.station,
		Created:       created,
		Source:        info.Source,
		Operator:      info.Operator,
		Engines:       nonNil(info.Engines),
		Rules:         nonNil(info.Rules),
		Files:         files,
		Blocked:       info.Blocked,
	}
	if m.Blocked == nil {
		m.Blocked = map[string]int{}
	}
	if s.expires > 0 {
		exp := created.Add(s.expires)
		m.Expires = &exp
	}
	return m, nil
}

func nonNil(c []Component) []Component {
	if c == nil {
		return []Component{}
	}
	return c
}

// sign encodes the manifest, checks it the way Verify will, and signs it
// (prehashed Ed25519, minisign's default) with a trusted comment that
// repeats the transfer id, the station and the creation time.
func sign(m *Manifest, key minisign.PrivateKey) (data, sig []byte, err error) {
	data, err = json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	data = append(data, '\n')
	if _, err := ParseManifest(data); err != nil {
		return nil, nil, fmt.Errorf("refusing to sign: %w", err)
	}
	r := minisign.NewReader(bytes.NewReader(data))
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, nil, err
	}
	sig = r.SignWithComments(key, TrustedComment(m),
		"signature from sluice station "+m.Station+" key "+strings.ToUpper(strconv.FormatUint(key.ID(), 16)))
	if !minisign.Verify(key.Public().(minisign.PublicKey), data, sig) {
		return nil, nil, fmt.Errorf("signature does not verify with the key's own public key")
	}
	return data, sig, nil
}

// TrustedComment is the signed comment of a transfer's signature:
// "transfer:<id> station:<station> time:<created, RFC 3339>".
func TrustedComment(m *Manifest) string {
	return "transfer:" + m.ID + " station:" + m.Station + " time:" + m.Created.UTC().Format(time.RFC3339)
}

// createFile makes a new file of mode 0644 whatever the umask, without
// the xattrs it inherits (a default ACL, for one), never through a link and
// never over an existing name.
func createFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, 0o644)
	if err != nil {
		return nil, destError(err)
	}
	if err := clearXattrs(f); err != nil {
		f.Close()
		return nil, destError(err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return nil, destError(err)
	}
	return f, nil
}

// writeFile creates a new 0644 file, writes data and syncs it.
func writeFile(path string, data []byte) (err error) {
	f, err := createFile(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = destError(cerr)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return destError(err)
	}
	return destError(f.Sync())
}

// syncDirs syncs every directory of the staging, deepest first, so that
// the names of the files and directories in them are durable before the
// rename publishes them.
func (s *Staging) syncDirs() error {
	dirs := []string{filepath.Join(s.dir, metaDir)}
	err := s.root.walk("", func(k *node, p string) error {
		if k.kids != nil {
			dirs = append(dirs, filepath.Join(s.dir, filepath.FromSlash(p)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := syncDir(dirs[i]); err != nil {
			return destError(err)
		}
	}
	return nil
}

// Manifest returns the manifest Publish wrote, or nil before a successful
// Publish.
func (s *Staging) Manifest() *Manifest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.manifest
}
