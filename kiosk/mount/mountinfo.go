package mount

import (
	"bufio"
	"io"
	"sort"
	"strconv"
	"strings"
)

// mountEntry is one line of /proc/self/mountinfo.
type mountEntry struct {
	Point  string // mount point, unescaped
	FSType string
	Source string
}

// parseMountinfo reads the format of proc(5) mountinfo. Lines it cannot
// read are skipped: the kernel writes this file, but a mount point path
// comes from us and a source from a FUSE helper.
func parseMountinfo(r io.Reader) ([]mountEntry, error) {
	var out []mountEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if len(f) < 5 || sep < 0 || sep+2 >= len(f) {
			continue
		}
		out = append(out, mountEntry{Point: unescape(f[4]), FSType: f[sep+1], Source: unescape(f[sep+2])})
	}
	return out, sc.Err()
}

// unescape undoes the kernel's octal escapes (\040 for space, \011, \012, \134).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// under reports whether p is dir or below it.
func under(p, dir string) bool {
	d := strings.TrimSuffix(dir, "/")
	return p == d || strings.HasPrefix(p, d+"/")
}

// PointsBelow lists the distinct mount points strictly below dir in a
// mountinfo file (proc(5)), deepest first: the order to unmount them in.
// The guard reads it for another mount namespace than its own.
func PointsBelow(mountinfo io.Reader, dir string) ([]string, error) {
	all, err := parseMountinfo(mountinfo)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, e := range all {
		if strings.HasPrefix(e.Point, dir+"/") && !seen[e.Point] {
			seen[e.Point] = true
			out = append(out, e.Point)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out, nil
}
