package scanner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// A file that yields more bytes than its size when read (it grew, or a
// driver misreports it) is refused on the memory path as on the spool
// path. Files in /proc are regular files of size 0 that yield bytes.
func TestReadRefusesGrowth(t *testing.T) {
	sc, err := New(Config{SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	e := entry{abs: "/proc/self/status", rel: "status", display: "status", size: 0}
	if _, err := sc.readOnce(context.Background(), t.TempDir(), e); !errors.Is(err, errGrew) {
		t.Fatalf("readOnce(%s) error = %v, want errGrew", e.abs, err)
	}
	r := readFailure(e, errGrew)
	if r.Verdict != Blocked || r.Findings[0].Rule != "changed-while-reading" {
		t.Errorf("result = %s %+v, want blocked changed-while-reading", r.Verdict, r.Findings)
	}

	for _, tc := range []struct {
		name string
		data string
		size int64
	}{
		{"grew", "abcdef", 5},
		{"shrank", "abc", 5},
	} {
		d := newDigester(false, false)
		_, err := readSmall(context.Background(), strings.NewReader(tc.data), tc.size, d, func(int64) error { return nil })
		if !errors.Is(err, errGrew) {
			t.Errorf("readSmall(%s) error = %v, want errGrew", tc.name, err)
		}
	}
}

// A member is kept in memory up to memObjectMax bytes, exactly; one byte
// more and the caller is told to continue into a spool file.
func TestReadMemberThreshold(t *testing.T) {
	for _, tc := range []struct {
		size int
		more bool
	}{
		{0, false}, {1, false}, {smallBuf, false}, {smallBuf + 1, false},
		{memObjectMax - 1, false}, {memObjectMax, true}, {memObjectMax + 1, true},
	} {
		data := bytes.Repeat([]byte{'x'}, tc.size)
		var last int64
		m, more, err := readMember(context.Background(), io.MultiReader(bytes.NewReader(data)), func(total int64) error {
			if total < last {
				t.Errorf("size %d: check total went back from %d to %d", tc.size, last, total)
			}
			last = total
			return nil
		})
		if err != nil {
			t.Fatalf("size %d: %v", tc.size, err)
		}
		if more != tc.more {
			t.Errorf("size %d: more = %v, want %v", tc.size, more, tc.more)
		}
		if !more && !bytes.Equal(m.data, data) {
			t.Errorf("size %d: data of %d bytes differs", tc.size, len(m.data))
		}
		m.free()
	}
}

// A limit stops reading a member held in memory as it stops a spool copy.
func TestReadMemberLimit(t *testing.T) {
	stop := errors.New("limit")
	_, _, err := readMember(context.Background(), bytes.NewReader(make([]byte, 300<<10)), func(total int64) error {
		if total > 100<<10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Errorf("readMember error = %v, want the limit's", err)
	}
}

// Files held in memory hold their size twice against the spool budget,
// and no file holds more than the whole budget.
func TestBudgetCost(t *testing.T) {
	b := newBudget(3 << 20)
	for _, tc := range []struct{ size, want int64 }{
		{0, 0}, {100, 200}, {memObjectMax, 2 * memObjectMax},
		{memObjectMax + 1, memObjectMax + 1}, {10 << 20, 3 << 20},
	} {
		if got := b.cost(tc.size); got != tc.want {
			t.Errorf("cost(%d) = %d, want %d", tc.size, got, tc.want)
		}
	}
	// Two small files of 1 MiB fill the budget: the second waits.
	ctx := context.Background()
	if err := b.acquire(ctx, b.cost(memObjectMax)); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- b.acquire(ctx, b.cost(memObjectMax)) }()
	select {
	case err := <-got:
		t.Fatalf("second acquire returned %v before any release, want it to wait", err)
	case <-time.After(50 * time.Millisecond):
	}
	b.release(b.cost(memObjectMax))
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// Big files are read first, largest first; the others keep walk order.
func TestReadOrder(t *testing.T) {
	files := []entry{{rel: "a", size: 1}, {rel: "b", size: bigFile}, {rel: "c", size: 5}, {rel: "d", size: 3 * bigFile}, {rel: "e", size: 0}}
	var got []string
	for _, e := range readOrder(files) {
		got = append(got, e.rel)
	}
	if strings.Join(got, "") != "dbace" {
		t.Errorf("readOrder = %v, want d b a c e", got)
	}
}
