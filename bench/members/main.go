// Command members writes out every archive member that sluice's scanner
// hands to its engines, for bench/run.sh to give the yara CLI the same
// objects as sluice (an apples-to-apples comparison):
//
//	members -out DIR CORPUS
//
// It runs the scanner itself, with one engine that copies each member
// (depth 1 and below) to DIR/NNNNNN/NAME, so the set is exactly the one
// sluice scans: zip, tar and compressed members, nested ones, the parts
// of OOXML documents; not the .tar inside a .tar.gz, which sluice walks
// without scanning. It prints how many members and bytes it wrote.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/sluice-ot/sluice/scanner"
	"github.com/sluice-ot/sluice/scanner/filetype"
)

func main() {
	out := flag.String("out", "", "`folder` to write the members into (created)")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: members -out DIR CORPUS...")
		os.Exit(2)
	}
	if err := run(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "members:", err)
		os.Exit(1)
	}
}

func run(out string, roots []string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	d := &dumper{out: out}
	sc, err := scanner.New(scanner.Config{
		Engines: []scanner.Engine{d},
		// Every type allowed: the policy never stops an engine, but be
		// plain about wanting every member.
		Policy: filetype.DefaultPolicy(),
	})
	if err != nil {
		return err
	}
	if _, err := sc.Scan(context.Background(), roots, func(*scanner.Result, *os.File) error { return nil }, nil); err != nil {
		return err
	}
	if d.err != nil {
		return d.err
	}
	fmt.Printf("%d members, %d bytes\n", d.n, d.bytes)
	return nil
}

// dumper is an engine that writes out the members it is given.
type dumper struct {
	out   string
	mu    sync.Mutex
	n     int
	bytes int64
	err   error
}

func (d *dumper) Name() string    { return "members" }
func (d *dumper) ScansData() bool { return true }

func (d *dumper) Scan(_ context.Context, obj *scanner.Object) ([]scanner.Finding, error) {
	if obj.Depth == 0 {
		return nil, nil
	}
	d.mu.Lock()
	d.n++
	n := d.n
	d.bytes += obj.Size
	d.mu.Unlock()
	// Member names are untrusted: only a cleaned base name is used, in a
	// folder of its own, so names never collide or escape.
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < ' ' {
			return '_'
		}
		return r
	}, obj.Name)
	if name == "" || name == "." || name == ".." {
		name = "member"
	}
	dir := filepath.Join(d.out, fmt.Sprintf("%06d", n))
	err := os.Mkdir(dir, 0o755)
	if err == nil {
		err = write(filepath.Join(dir, name), obj)
	}
	if err != nil {
		d.mu.Lock()
		d.err = err
		d.mu.Unlock()
	}
	return nil, err
}

func write(path string, obj *scanner.Object) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if obj.Data != nil {
		_, err = f.Write(obj.Data)
	} else {
		_, err = io.Copy(f, io.NewSectionReader(obj.File, 0, obj.Size))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
