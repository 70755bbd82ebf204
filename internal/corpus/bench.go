package corpus

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
)

// Bench corpus defaults: what `make bench` scans.
const (
	BenchBytes = 1 << 30
	BenchFiles = 10_000
)

// benchKind is what one file of the benchmark corpus holds.
type benchKind int

const (
	kLog benchKind = iota
	kCSV
	kSource
	kPDF
	kDocx
	kPNG
	kJPEG
	kELF
	kPE
	kZip
	kTarGz
	kRandom
	kEICAR
	kEICARZip
	kEICARNested
)

// benchMix weighs the kinds of the ordinary (not large) files: mostly
// text, as a maintenance laptop's drive holds.
var benchMix = []struct {
	kind   benchKind
	weight int
	exts   []string
}{
	{kLog, 18, []string{".log", ".txt"}},
	{kCSV, 12, []string{".csv"}},
	{kSource, 12, []string{".c", ".h", ".py", ".go", ".st", ".xml", ".ini"}},
	{kPDF, 6, []string{".pdf"}},
	{kDocx, 4, []string{".docx"}},
	{kPNG, 5, []string{".png"}},
	{kJPEG, 5, []string{".jpg"}},
	{kELF, 4, []string{"", ".so"}},
	{kPE, 4, []string{".exe", ".dll"}},
	{kZip, 6, []string{".zip"}},
	{kTarGz, 4, []string{".tar.gz"}},
	{kRandom, 20, []string{".bin", ".dat", ".img", ".enc"}},
}

// largeKinds cycle through the large files: a long log, a disk image, a
// data export, a backup archive and a video-sized blob.
var largeKinds = []struct {
	kind benchKind
	name string
}{
	{kLog, "historian-%02d.log"},
	{kRandom, "hmi-image-%02d.img"},
	{kCSV, "trend-export-%02d.csv"},
	{kTarGz, "backup-%02d.tar.gz"},
	{kRandom, "camera-%02d.mp4"},
}

// benchFile is one planned file: everything needed to write it alone.
type benchFile struct {
	rel  string // slash-separated
	kind benchKind
	size int64 // target size; exact for text, binaries and random data
	seed uint64
}

var dirWords = []string{
	"projects", "plc", "backup", "hmi", "recipes", "logs", "docs", "firmware", "scada",
	"drawings", "exports", "archive", "tools", "photos", "reports", "config", "line",
	"press", "robot", "maintenance", "vendor", "siemens", "historian", "batch",
}

// planBench lays out the corpus: directories, then every file with its
// kind, size and seed. Writing is then independent per file.
func planBench(totalBytes int64, files int, seed uint64) ([]string, []benchFile, error) {
	if files < 10 || totalBytes < 256<<10 {
		return nil, nil, fmt.Errorf("bench corpus: need at least 10 files and 256 KiB, got %d files and %d bytes", files, totalBytes)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed5eed5eed5eed))

	// Nested folders, about 40 files to a folder, up to 6 deep.
	dirs := []string{""}
	depth := map[string]int{"": 0}
	for i := 0; len(dirs) < max(2, files/40); i++ {
		parent := dirs[rng.IntN(len(dirs))]
		if depth[parent] >= 6 {
			continue
		}
		d := path.Join(parent, fmt.Sprintf("%s-%d", dirWords[rng.IntN(len(dirWords))], i))
		dirs = append(dirs, d)
		depth[d] = depth[parent] + 1
	}
	dirOf := func() string { return dirs[rng.IntN(len(dirs))] }

	var plan []benchFile
	add := func(dir, name string, k benchKind, size int64) {
		plan = append(plan, benchFile{rel: path.Join(dir, name), kind: k, size: size, seed: rng.Uint64()})
	}
	// The test virus, bare and in archives.
	add(dirOf(), "eicar.com", kEICAR, int64(len(EICAR)))
	add(dirOf(), "test-virus.txt", kEICAR, int64(len(EICAR)))
	add(dirOf(), "eicar-in-zip.zip", kEICARZip, 0)
	add(dirOf(), "nested-eicar.zip", kEICARNested, 0)

	// A handful of large files, 50 to 100 MB at the default size, take
	// about a third of the bytes.
	unit := min(100<<20, totalBytes/10)
	var largeBytes int64
	for i := 0; largeBytes < totalBytes/3 && i < max(1, files/100); i++ {
		size := unit/2 + rng.Int64N(unit/2+1)
		lk := largeKinds[i%len(largeKinds)]
		add(dirOf(), fmt.Sprintf(lk.name, i), lk.kind, size)
		largeBytes += size
	}

	// The rest: kinds by weight, then log-normal sizes (many small files,
	// a long tail) scaled so that the files whose size can be chosen add
	// up to what is left of the budget. Documents and images keep their
	// natural few kilobytes.
	n := files - len(plan)
	var weights int
	for _, m := range benchMix {
		weights += m.weight
	}
	mix := make([]int, n)
	raw := make([]float64, n)
	var sum float64
	for i := range n {
		w := rng.IntN(weights)
		for w >= benchMix[mix[i]].weight {
			w -= benchMix[mix[i]].weight
			mix[i]++
		}
		raw[i] = math.Exp(1.5 * rng.NormFloat64())
		if sized(benchMix[mix[i]].kind) {
			sum += raw[i]
		}
	}
	budget := max(totalBytes-largeBytes, int64(n)*64)
	maxSize := max(4<<10, min(16<<20, unit/4))
	for i := range n {
		m := benchMix[mix[i]]
		size := min(max(int64(raw[i]/sum*float64(budget)), 64), maxSize)
		if m.kind == kZip || m.kind == kTarGz {
			// Compression shrinks text members; aim higher.
			size = min(size*3/2, 8<<20)
		}
		ext := m.exts[rng.IntN(len(m.exts))]
		add(dirOf(), fmt.Sprintf("%s-%05d%s", fileStem(m.kind), i, ext), m.kind, size)
	}
	return dirs, plan, nil
}

// sized reports whether a kind is written to its planned size.
func sized(k benchKind) bool {
	switch k {
	case kPDF, kDocx, kPNG, kJPEG:
		return false
	}
	return true
}

func fileStem(k benchKind) string {
	switch k {
	case kLog:
		return "station"
	case kCSV:
		return "tags"
	case kSource:
		return "module"
	case kPDF, kDocx:
		return "report"
	case kPNG, kJPEG:
		return "photo"
	case kELF, kPE:
		return "tool"
	case kZip, kTarGz:
		return "bundle"
	}
	return "data"
}

// WriteBench writes the throughput benchmark corpus under dir: about
// totalBytes in files files (count exact), in nested folders. It mixes
// text (logs, CSV, source), documents, images, executables, archives (a
// few nested), pseudorandom data and a handful of large files, plus the
// EICAR test file bare, in a zip and in a nested zip. The same arguments
// always give the same bytes. Files are streamed to disk, several at once.
func WriteBench(dir string, totalBytes int64, files int, seed uint64) error {
	dirs, plan, err := planBench(totalBytes, files, seed)
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(d)), 0o755); err != nil {
			return err
		}
	}
	jobs := make(chan benchFile)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				if err := writeBenchFile(filepath.Join(dir, filepath.FromSlash(f.rel)), f); err != nil {
					select {
					case errs <- fmt.Errorf("bench corpus: %s: %w", f.rel, err):
					default:
					}
				}
			}
		}()
	}
	for _, f := range plan {
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func writeBenchFile(name string, f benchFile) (err error) {
	out, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, out.Close()) }()
	w := bufio.NewWriterSize(out, 256<<10)
	if err := writeBenchContent(w, f); err != nil {
		return err
	}
	return w.Flush()
}

func writeBenchContent(w *bufio.Writer, f benchFile) error {
	rng := rand.New(rand.NewPCG(f.seed, 0x6a09e667f3bcc908))
	var err error
	switch f.kind {
	case kLog, kCSV, kSource:
		err = writeText(w, f.kind, f.size, rng)
	case kRandom:
		_, err = io.CopyN(w, NewPseudorandomReader(f.seed), f.size)
	case kELF, kPE:
		err = writeBinary(w, f.kind, f.size, f.seed)
	case kPDF:
		_, err = w.Write(PDF(fmt.Sprintf("Inspection report %d, line %d, %d findings", rng.IntN(10000), rng.IntN(9)+1, rng.IntN(20))))
	case kDocx:
		_, err = w.Write(Docx(fmt.Sprintf("Work order %d: replace bearing on conveyor %d", rng.IntN(100000), rng.IntN(50)), false))
	case kPNG:
		_, err = w.Write(PNG(16+rng.IntN(240), 16+rng.IntN(240)))
	case kJPEG:
		_, err = w.Write(JPEG(16+rng.IntN(240), 16+rng.IntN(240)))
	case kZip:
		err = writeZip(w, f.size, rng, rng.IntN(8) == 0)
	case kTarGz:
		err = writeTarGz(w, f.size, rng, rng.IntN(8) == 0)
	case kEICAR:
		_, err = w.Write(EICAR)
	case kEICARZip:
		_, err = w.Write(Zip(Member{"readme.txt", []byte("antivirus test\n")}, Member{"eicar.com", EICAR}))
	case kEICARNested:
		_, err = w.Write(NestZip("eicar.com", EICAR, 2))
	default:
		err = fmt.Errorf("unknown kind %d", f.kind)
	}
	return err
}

// member kinds inside generated archives: text and binaries.
var memberKinds = []struct {
	kind benchKind
	ext  string
}{{kLog, ".log"}, {kCSV, ".csv"}, {kSource, ".c"}, {kELF, ""}, {kPE, ".dll"}, {kRandom, ".bin"}}

// members splits size into 1 to 12 members and calls add for each, with
// a nested archive as the first one when nest is set.
func members(size int64, rng *rand.Rand, nest bool, add func(name string, data func(io.Writer) error, n int64) error) error {
	count := 1 + rng.IntN(12)
	if nest {
		inner := make([]byte, 0, 64<<10)
		buf := &sliceWriter{b: inner}
		bw := bufio.NewWriter(buf)
		if err := writeZip(bw, min(size/4, 256<<10), rng, false); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if err := add("inner/attachments.zip", func(w io.Writer) error { _, err := w.Write(buf.b); return err }, int64(len(buf.b))); err != nil {
			return err
		}
	}
	for i := range count {
		mk := memberKinds[rng.IntN(len(memberKinds))]
		n := max(size/int64(count), 16)
		f := benchFile{kind: mk.kind, size: n, seed: rng.Uint64()}
		name := fmt.Sprintf("part-%02d/%s-%03d%s", i%3, fileStem(mk.kind), i, mk.ext)
		err := add(name, func(w io.Writer) error {
			bw := bufio.NewWriterSize(w, 64<<10)
			if err := writeBenchContent(bw, f); err != nil {
				return err
			}
			return bw.Flush()
		}, n)
		if err != nil {
			return err
		}
	}
	return nil
}

type sliceWriter struct{ b []byte }

func (s *sliceWriter) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }

func writeZip(w io.Writer, size int64, rng *rand.Rand, nest bool) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	err := members(size, rng, nest, func(name string, data func(io.Writer) error, _ int64) error {
		mw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			return err
		}
		return data(mw)
	})
	return errors.Join(err, zw.Close())
}

func writeTarGz(w io.Writer, size int64, rng *rand.Rand, nest bool) error {
	gw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	tw := tar.NewWriter(gw)
	err := members(size, rng, nest, func(name string, data func(io.Writer) error, n int64) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: n, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		return data(tw)
	})
	return errors.Join(err, tw.Close(), gw.Close())
}

var (
	hosts    = []string{"hmi-01", "hmi-02", "plc-gw", "historian", "eng-ws-4", "scada-srv", "opc-bridge"}
	services = []string{"opcua", "modbus", "s7comm", "alarmd", "recipe", "trend", "backup", "licensing"}
	levels   = []string{"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"}
	actions  = []string{"read tag", "write tag", "session opened", "session closed", "alarm raised", "alarm acknowledged", "recipe loaded", "value out of range"}
	tags     = []string{"Line3.Press4.Torque", "Line1.Oven.Temp", "Line2.Conveyor.Speed", "Tank7.Level", "Boiler.Pressure", "Line3.Robot2.Cycle", "Pump12.Flow"}
	idents   = []string{"setpoint", "cycle", "torque", "limit", "count", "speed", "level", "alarm", "recipe", "batch", "valve", "motor"}
)

// writeText streams size bytes of log, CSV or source-like lines.
func writeText(w *bufio.Writer, k benchKind, size int64, rng *rand.Rand) error {
	line := make([]byte, 0, 256)
	ts := int64(1_700_000_000) + rng.Int64N(30_000_000)
	var left = size
	if k == kCSV {
		line = append(line, "timestamp,tag,value,quality\n"...)
	}
	for n := 0; left > 0; n++ {
		switch k {
		case kLog:
			ts += rng.Int64N(5)
			line = appendStamp(line, ts)
			line = append(line, ' ')
			line = append(line, levels[rng.IntN(len(levels))]...)
			line = append(line, ' ')
			line = append(line, hosts[rng.IntN(len(hosts))]...)
			line = append(line, ' ')
			line = append(line, services[rng.IntN(len(services))]...)
			line = append(line, "["...)
			line = strconv.AppendInt(line, int64(1000+rng.IntN(30000)), 10)
			line = append(line, "]: "...)
			line = append(line, actions[rng.IntN(len(actions))]...)
			line = append(line, ' ')
			line = append(line, tags[rng.IntN(len(tags))]...)
			line = append(line, " value="...)
			line = strconv.AppendFloat(line, rng.Float64()*500, 'f', 2, 64)
			line = append(line, " session="...)
			line = strconv.AppendInt(line, int64(rng.IntN(100000)), 10)
			line = append(line, '\n')
		case kCSV:
			ts += 1 + rng.Int64N(10)
			line = appendStamp(line, ts)
			line = append(line, ',')
			line = append(line, tags[rng.IntN(len(tags))]...)
			line = append(line, ',')
			line = strconv.AppendFloat(line, rng.Float64()*1000, 'f', 3, 64)
			line = append(line, ',')
			line = strconv.AppendInt(line, int64(192+rng.IntN(4)), 10)
			line = append(line, '\n')
		default:
			line = appendSource(line, n, rng)
		}
		if int64(len(line)) > left {
			line = line[:left]
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
		left -= int64(len(line))
		line = line[:0]
	}
	return nil
}

func appendStamp(b []byte, ts int64) []byte {
	t := ts % 86400
	b = append(b, "2024-"...)
	b = appendPad(b, 1+ts/86400%12)
	b = append(b, '-')
	b = appendPad(b, 1+ts/86400%28)
	b = append(b, 'T')
	b = appendPad(b, t/3600)
	b = append(b, ':')
	b = appendPad(b, t/60%60)
	b = append(b, ':')
	b = appendPad(b, t%60)
	return append(b, 'Z')
}

func appendPad(b []byte, v int64) []byte {
	if v < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, v, 10)
}

// appendSource adds one line of C-like control code.
func appendSource(b []byte, n int, rng *rand.Rand) []byte {
	id := idents[rng.IntN(len(idents))]
	v := int64(rng.IntN(1000))
	switch n % 8 {
	case 0:
		b = append(b, "/* "...)
		b = append(b, tags[rng.IntN(len(tags))]...)
		b = append(b, ": keep within limits, see procedure "...)
		b = strconv.AppendInt(b, v, 10)
		return append(b, " */\n"...)
	case 1:
		b = append(b, "static int check_"...)
		b = append(b, id...)
		b = append(b, "_"...)
		b = strconv.AppendInt(b, v, 10)
		return append(b, "(struct station *st, int value)\n{\n"...)
	case 2:
		b = append(b, "\tif (value > st->"...)
		b = append(b, id...)
		b = append(b, "_max) {\n"...)
		return b
	case 3:
		b = append(b, "\t\tlog_event(st, EV_LIMIT, \""...)
		b = append(b, id...)
		b = append(b, " above limit\", value);\n"...)
		return b
	case 4:
		b = append(b, "\t\treturn -"...)
		b = strconv.AppendInt(b, v%40+1, 10)
		return append(b, ";\n\t}\n"...)
	case 5:
		b = append(b, "\tst->"...)
		b = append(b, id...)
		b = append(b, " = value * "...)
		b = strconv.AppendInt(b, v, 10)
		return append(b, " / 1000;\n"...)
	case 6:
		return append(b, "\treturn 0;\n"...)
	}
	return append(b, "}\n\n"...)
}

// binStrings are sprinkled through generated executables, as import and
// section names are through real ones.
var binStrings = []string{"KERNEL32.dll", "GetModuleHandleA", "ExitProcess", "msvcrt.dll", ".text", ".rdata",
	"libc.so.6", "GLIBC_2.17", "__libc_start_main", "Copyright (c) Plant Tools Ltd"}

// writeBinary writes an ELF or PE header, then pseudorandom code with a
// string every 64 KiB, size bytes in all.
func writeBinary(w *bufio.Writer, k benchKind, size int64, seed uint64) error {
	var hdr []byte
	if k == kPE {
		hdr = PE()
	} else {
		hdr = make([]byte, 64)
		copy(hdr, "\x7fELF\x02\x01\x01")
		binary.LittleEndian.PutUint16(hdr[16:], 2)    // ET_EXEC
		binary.LittleEndian.PutUint16(hdr[18:], 0x3e) // x86-64
		binary.LittleEndian.PutUint32(hdr[20:], 1)
		binary.LittleEndian.PutUint64(hdr[24:], 0x401000)
		binary.LittleEndian.PutUint16(hdr[52:], 64)
	}
	hdr = hdr[:min(int64(len(hdr)), size)]
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	r := NewPseudorandomReader(seed)
	left := size - int64(len(hdr))
	for i := 0; left > 0; i++ {
		n := min(left, 64<<10)
		if _, err := io.CopyN(w, r, n); err != nil {
			return err
		}
		left -= n
		if s := binStrings[i%len(binStrings)]; left > int64(len(s)) {
			w.WriteString(s)
			left -= int64(len(s))
		}
	}
	return nil
}

// PseudorandomReader streams deterministic, incompressible bytes without
// holding them: a xorshift64* generator, eight bytes per step. Its bytes
// differ from Pseudorandom's.
type PseudorandomReader struct {
	x    uint64
	tail [8]byte
	n    int // unread bytes at the end of tail
}

// NewPseudorandomReader returns a reader of endless bytes from seed.
func NewPseudorandomReader(seed uint64) *PseudorandomReader {
	return &PseudorandomReader{x: seed*0x9e3779b97f4a7c15 + 1}
}

func (r *PseudorandomReader) next() uint64 {
	r.x ^= r.x >> 12
	r.x ^= r.x << 25
	r.x ^= r.x >> 27
	return r.x * 0x2545f4914f6cdd1d
}

// Read fills p entirely; it never fails.
func (r *PseudorandomReader) Read(p []byte) (int, error) {
	total := len(p)
	for r.n > 0 && len(p) > 0 {
		p[0] = r.tail[8-r.n]
		p = p[1:]
		r.n--
	}
	for len(p) >= 8 {
		binary.LittleEndian.PutUint64(p, r.next())
		p = p[8:]
	}
	if len(p) > 0 {
		binary.LittleEndian.PutUint64(r.tail[:], r.next())
		r.n = 8 - copy(p, r.tail[:])
	}
	return total, nil
}
