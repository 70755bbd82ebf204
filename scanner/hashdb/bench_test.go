package hashdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// bigTable is a table of random SHA-256 digests, with some of them kept
// for lookups that hit.
type bigTable struct {
	path string
	size int64
	hits [][]byte
}

// bigTables holds the tables built for benchmarks: the 10M one takes
// seconds to build, so each size is built once per process and removed
// by TestMain.
var bigTables = struct {
	sync.Mutex
	dir string
	m   map[int]*bigTable
}{m: make(map[int]*bigTable)}

func TestMain(m *testing.M) {
	code := m.Run()
	if bigTables.dir != "" {
		os.RemoveAll(bigTables.dir)
	}
	os.Exit(code)
}

// getBigTable returns the table of n random digests, building it directly
// from random bytes rather than through text.
func getBigTable(b *testing.B, n int) *bigTable {
	b.Helper()
	bigTables.Lock()
	defer bigTables.Unlock()
	if t, ok := bigTables.m[n]; ok {
		return t
	}
	if bigTables.dir == "" {
		dir, err := os.MkdirTemp("", "hashdb-bench")
		if err != nil {
			b.Fatal(err)
		}
		bigTables.dir = dir
	}
	start := time.Now()
	seed := [32]byte{byte(n), byte(n >> 8), byte(n >> 16)}
	keys := make([]byte, n*SHA256.Size())
	rand.NewChaCha8(seed).Read(keys)
	var secs [SHA256 + 1]sectionData
	secs[SHA256] = sectionData{keys: keys, labels: make([]uint32, n)}
	for i := range secs[SHA256].labels {
		secs[SHA256].labels[i] = uint32(1 + i%2*6) // "bench" or "mark"
	}
	pool := []byte("\x00\x05bench\x04mark")
	t := &bigTable{path: filepath.Join(bigTables.dir, strconv.Itoa(n)+".table")}
	if err := writeTable(t.path, &secs, pool); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 4096; i++ {
		j := i * 7919 % n
		t.hits = append(t.hits, bytes.Clone(keys[j*32:(j+1)*32]))
	}
	fi, err := os.Stat(t.path)
	if err != nil {
		b.Fatal(err)
	}
	t.size = fi.Size()
	b.Logf("built a table of %d digests, %d MiB, in %v", n, t.size>>20, time.Since(start).Round(time.Millisecond))
	bigTables.m[n] = t
	debug.FreeOSMemory()
	return t
}

func openBig(b *testing.B, t *bigTable) *List {
	b.Helper()
	l, err := Open(t.path)
	if err != nil {
		b.Fatal(err)
	}
	return l
}

func BenchmarkLookup(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1e3", 1e3}, {"1e5", 1e5}, {"1e7", 1e7}} {
		b.Run(size.name, func(b *testing.B) {
			t := getBigTable(b, size.n)
			l := openBig(b, t)
			defer l.Close()
			// Half the probes hit, half are random digests that miss.
			r := rand.New(rand.NewPCG(1, uint64(size.n)))
			probes := make([][]byte, 1<<14)
			for i := range probes {
				if i%2 == 0 {
					probes[i] = t.hits[r.IntN(len(t.hits))]
					continue
				}
				p := make([]byte, 32)
				for j := range p {
					p[j] = byte(r.Uint32())
				}
				probes[i] = p
			}
			i := 0
			cpu0, ok := cpuTime()
			for b.Loop() {
				l.Lookup(SHA256, probes[i&(len(probes)-1)])
				i++
			}
			reportCPU(b, cpu0, ok)
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	t := getBigTable(b, 1e7)
	cpu0, ok := cpuTime()
	for b.Loop() {
		l := openBig(b, t)
		l.Close()
	}
	reportCPU(b, cpu0, ok)
}

// reportCPU reports the CPU time per op since cpu0.
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool) {
	if cpu1, ok1 := cpuTime(); ok && ok1 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkResidentMemory reports how resident memory grows when the 10M
// table is opened, then after 1e4, 1e5 and 1e6 random lookups. Mapped
// pages count once touched, so the growth follows the pages lookups reach
// and stays within the table size. They are clean file pages, which the
// kernel can drop under memory pressure.
func BenchmarkResidentMemory(b *testing.B) {
	t := getBigTable(b, 1e7)
	var openKiB int64
	var lookupKiB []int64
	r := rand.New(rand.NewPCG(3, 4))
	var probe [32]byte
	for b.Loop() {
		debug.FreeOSMemory()
		before := vmRSS(b)
		l := openBig(b, t)
		openKiB = vmRSS(b) - before
		lookupKiB = lookupKiB[:0]
		for i := 1; i <= 1_000_000; i++ {
			for j := 0; j < len(probe); j += 8 {
				binary.LittleEndian.PutUint64(probe[j:], r.Uint64())
			}
			l.Lookup(SHA256, probe[:])
			if i == 1e4 || i == 1e5 || i == 1e6 {
				lookupKiB = append(lookupKiB, vmRSS(b)-before)
			}
		}
		l.Close()
	}
	b.ReportMetric(float64(openKiB)/1024, "MiB-rss-open")
	for i, n := range []string{"1e4", "1e5", "1e6"} {
		b.ReportMetric(float64(lookupKiB[i])/1024, "MiB-rss-"+n+"-lookups")
	}
	b.ReportMetric(float64(t.size)/(1<<20), "MiB-table")
}

// vmRSS returns the process's resident set size in KiB.
func vmRSS(b *testing.B) int64 {
	b.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skipf("resident memory not measurable here: %v", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kib
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}

func BenchmarkParse(b *testing.B) {
	// 100k lines in the three common shapes.
	r := rand.New(rand.NewPCG(5, 6))
	digest := func(n int) string {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		return hex.EncodeToString(p)
	}
	var buf bytes.Buffer
	buf.WriteString("# generated for BenchmarkParse\n")
	for i := range 100_000 {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&buf, "%s;Family %d - https://example.org/report\n", digest(32), i%50)
		case 1:
			fmt.Fprintf(&buf, "%s\n", digest(16))
		case 2:
			fmt.Fprintf(&buf, "\"2026-01-01 00:00:%02d\", \"%s\", \"%s\", \"%s\", \"r\", \"f%d.exe\", \"exe\", \"application/x-dosexec\", \"Family%d\", \"n/a\", \"n/a\", \"n/a\", \"n/a\", \"n/a\"\n",
				i%60, digest(32), digest(16), digest(20), i, i%50)
		}
	}
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	cpu0, ok := cpuTime()
	for b.Loop() {
		if _, errs, err := Parse(bytes.NewReader(in)); err != nil || len(errs) != 0 {
			b.Fatalf("Parse = %v, %v", errs, err)
		}
	}
	reportCPU(b, cpu0, ok)
}
