package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// ChainError reports the first line at which the chain is broken.
type ChainError struct {
	Line   int // 1-based
	Reason string
}

func (e *ChainError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Verify reads a whole log and checks every link: each line is a complete,
// well-formed entry, seq counts up from 1, and prev is the hash of the line
// before (Genesis for line 1). It returns the number of lines, a
// *ChainError for the first broken link, or another error if r fails.
// Lines removed from the end cannot be detected this way; see VerifyAnchor.
func Verify(r io.Reader) (int, error) { return verify(r, nil) }

// VerifyAnchor is Verify, and also checks that the line anchor.Seq exists
// and hashes to anchor.Hash.
func VerifyAnchor(r io.Reader, anchor Anchor) (int, error) { return verify(r, &anchor) }

func verify(r io.Reader, anchor *Anchor) (int, error) {
	br := bufio.NewReader(r)
	prev := Genesis
	n := 0
	for {
		line, err := br.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return n, fmt.Errorf("read audit log: %w", err)
		}
		n++
		if err == io.EOF {
			return n, &ChainError{n, "torn line without newline (crash during write, or truncated)"}
		}
		if reason := checkLine(line, int64(n), prev); reason != "" {
			return n, &ChainError{n, reason}
		}
		prev = hashLine(line)
		if anchor != nil && int64(n) == anchor.Seq && prev != anchor.Hash {
			return n, &ChainError{n, "does not match the anchor hash " + anchor.Hash}
		}
	}
	if n == 0 {
		return 0, &ChainError{1, "log is empty (every line removed)"}
	}
	if anchor != nil && int64(n) < anchor.Seq {
		return n, &ChainError{n + 1, fmt.Sprintf("missing: the log ends before anchored line %d (lines removed from the end)", anchor.Seq)}
	}
	return n, nil
}

// checkLine returns why line is not the entry expected at seq after prev.
func checkLine(line []byte, seq int64, prev string) string {
	var e entry
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return "not a valid entry: " + jsonReason(err)
	}
	// More() would miss a stray '}' or ']'; only the end of the line will do.
	if _, err := dec.Token(); err != io.EOF {
		return "not a valid entry: data after the JSON object"
	}
	switch {
	case e.Seq != seq:
		return fmt.Sprintf("seq is %d, want %d (a line was removed, inserted or reordered)", e.Seq, seq)
	case len(e.Prev) != len(Genesis):
		return fmt.Sprintf("prev hash has %d characters, want %d", len(e.Prev), len(Genesis))
	case e.Prev != prev && seq == 1:
		return "prev is not the genesis value"
	case e.Prev != prev:
		return fmt.Sprintf("prev hash does not match line %d (line %d was changed)", seq-1, seq-1)
	case e.Type == "":
		return "type is empty"
	case len(e.Data) == 0 || e.Data[0] != '{':
		return "data is not an object"
	}
	if _, err := time.Parse(time.RFC3339Nano, e.Time); err != nil {
		return "time is not RFC 3339"
	}
	return ""
}

func jsonReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	return err.Error()
}
