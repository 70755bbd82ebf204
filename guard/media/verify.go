package media

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluice-ot/sluice/kiosk/mount"
	"github.com/sluice-ot/sluice/transfer"
)

// metaDir is the transfer's folder at a volume's root.
const metaDir = ".sluice"

// verifyVolume checks the transfer at root (a mounted volume or a folder)
// exactly as `sluice verify` does, and records the outcome in p. It
// returns an error only when ctx ended first; when only vctx (ctx bounded
// by Options.Timeout) ended, the volume gets a timeout problem. Either
// way root may still be in use by the abandoned check, which the caller's
// release ends.
func verifyVolume(ctx, vctx context.Context, root string, opts Options, p *Partition) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("verify %s: %w", p.Device, err)
	}
	if vctx.Err() != nil {
		p.Problems = append(p.Problems, timeoutProblem(opts))
		return nil
	}
	fi, err := os.Lstat(filepath.Join(root, metaDir))
	switch {
	case os.IsNotExist(err):
		// Not walked: a plain drive may hold millions of files, and each
		// would only be one more "extra-file".
		p.Problems = append(p.Problems, transfer.Problem{Kind: ProblemNoTransfer, Path: metaDir, Detail: "no " + metaDir + " folder at the root"})
		return nil
	case err != nil:
		p.Problems = append(p.Problems, transfer.Problem{Kind: transfer.ProblemUnreadable, Path: metaDir, Detail: err.Error()})
		return nil
	case fi.Mode()&fs.ModeSymlink != 0:
		p.Problems = append(p.Problems, transfer.Problem{Kind: transfer.ProblemSymlink, Path: metaDir, Detail: "a symlink, never followed"})
		return nil
	case !fi.IsDir():
		p.Problems = append(p.Problems, transfer.Problem{Kind: ProblemNoTransfer, Path: metaDir, Detail: metaDir + " is not a folder"})
		return nil
	}

	type outcome struct {
		m        *transfer.Manifest
		problems []transfer.Problem
		err      error
	}
	// transfer.Verify takes no context, and a read from a drive that
	// stopped answering may block; it runs aside so that the caller can
	// give up, release the mounts (which ends a hung FUSE helper) and
	// return.
	done := make(chan outcome, 1)
	go func() {
		m, probs, err := transfer.Verify(root, opts.Trusted, transfer.VerifyOptions{Now: opts.Now})
		done <- outcome{m, probs, err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-vctx.Done():
		// vctx derives from ctx: which one ended decides between an error
		// (the caller gave up) and a verdict (the drive took too long).
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("verify %s: %w", p.Device, err)
		}
		p.Problems = append(p.Problems, timeoutProblem(opts))
		return nil
	}
	if o.err != nil {
		p.Problems = append(p.Problems, transfer.Problem{Kind: transfer.ProblemUnreadable, Detail: o.err.Error()})
		return nil
	}
	if o.m != nil {
		p.Transfer = o.m.ID
	}
	if p.Driver == mount.DriverFusefat {
		o.problems = dropFusefatLabel(root, p.Label, o.problems, opts)
	}
	if strings.HasPrefix(strings.ToLower(p.FSType), "ext") {
		o.problems = dropLostFound(root, o.problems, opts)
	}
	p.Problems = append(p.Problems, o.problems...)
	return nil
}

func timeoutProblem(opts Options) transfer.Problem {
	return transfer.Problem{Kind: ProblemTimeout, Detail: "verification of the drive took longer than " + opts.Timeout.String()}
}

// dropFusefatLabel removes the one artefact of fusefat from problems:
// fusefat lists a FAT volume's label entry in the root as an empty file
// ("MY STICK" shows as "MYSTICK"), which Verify rightly calls an extra
// file. The drive did not add a file, the driver invented it, so exactly
// that problem goes: an extra-file at the root, named after the label as
// fusefat writes it, and an empty regular file there.
func dropFusefatLabel(root, label string, problems []transfer.Problem, opts Options) []transfer.Problem {
	if label == "" {
		return problems
	}
	names := fusefatLabelNames(label)
	out := problems[:0:0]
	for _, p := range problems {
		if p.Kind == transfer.ProblemExtraFile && !strings.Contains(p.Path, "/") && names[strings.ToUpper(p.Path)] {
			if fi, err := os.Lstat(filepath.Join(root, p.Path)); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
				opts.Log.Debug("fusefat label entry ignored", "path", p.Path, "label", label)
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

// dropLostFound removes the one artefact of mkfs.ext*: lost+found, an
// empty folder at the root that every ext2/3/4 volume gets and that Verify
// rightly calls an extra folder. Only that problem goes, and only while
// the folder is real and empty: anything fsck put in it is still an extra
// file, and blocks the drive.
func dropLostFound(root string, problems []transfer.Problem, opts Options) []transfer.Problem {
	out := problems[:0:0]
	for _, p := range problems {
		if p.Kind == transfer.ProblemExtraDir && p.Path == "lost+found" {
			dir := filepath.Join(root, p.Path)
			if fi, err := os.Lstat(dir); err == nil && fi.IsDir() {
				if ents, err := os.ReadDir(dir); err == nil && len(ents) == 0 {
					opts.Log.Debug("ext lost+found ignored", "root", root)
					continue
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// fusefatLabelNames are the names under which fusefat may show a label:
// the 11 bytes of the entry read as an 8.3 name, spaces dropped, with or
// without the dot.
func fusefatLabelNames(label string) map[string]bool {
	l := strings.ToUpper(label)
	padded := (l + strings.Repeat(" ", 11))[:max(11, len(l))]
	base := strings.ReplaceAll(padded[:8], " ", "")
	ext := strings.ReplaceAll(padded[8:], " ", "")
	names := map[string]bool{strings.ReplaceAll(l, " ", ""): true, base: true}
	if ext != "" {
		delete(names, base)
		names[base+"."+ext] = true
	}
	delete(names, "")
	return names
}
