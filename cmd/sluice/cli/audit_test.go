package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-ot/sluice/audit"
	"github.com/sluice-ot/sluice/cmd/sluice/cli"
)

// auditLog writes a real chained log of 1+n lines.
func auditLog(t *testing.T, n int) (string, audit.Anchor) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	l, err := audit.OpenLog(path, "st-01", func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := l.Append("session.end", map[string]any{"session": fmt.Sprint("s", i), "files": i}); err != nil {
			t.Fatal(err)
		}
	}
	head := l.Head()
	l.Close()
	return path, head
}

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func rewriteLines(t *testing.T, path string, edit func([]string) []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if err := os.WriteFile(path, []byte(strings.Join(edit(lines), "")), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAuditVerify(t *testing.T) {
	tests := []struct {
		name     string
		edit     func([]string) []string
		wantCode int
		wantOut  string
	}{
		{"intact", nil, cli.ExitOK, ": 5 lines, chain intact\n"},
		{"one character changed", func(l []string) []string {
			l[2] = strings.Replace(l[2], `"files":1`, `"files":7`, 1)
			return l
		}, cli.ExitFindings, ": line 4: prev hash does not match line 3 (line 3 was changed)\n"},
		{"line deleted", func(l []string) []string { return append(l[:1], l[2:]...) }, cli.ExitFindings, ": line 2: seq is 3, want 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := auditLog(t, 4)
			if tt.edit != nil {
				rewriteLines(t, path, tt.edit)
			}
			code, out, errOut := runCLI("audit", "verify", path)
			if code != tt.wantCode || !strings.HasPrefix(out, "audit log "+path+tt.wantOut) || errOut != "" {
				t.Errorf("audit verify = %d, %q, %q, want %d, %q", code, out, errOut, tt.wantCode, "audit log "+path+tt.wantOut)
			}
		})
	}
}

func TestAuditVerifyAnchor(t *testing.T) {
	path, head := auditLog(t, 4)
	rewriteLines(t, path, func(l []string) []string { return l[:3] })
	anchor := fmt.Sprintf("%d:%s", head.Seq, head.Hash)
	if code, out, _ := runCLI("audit", "verify", path); code != cli.ExitOK {
		t.Errorf("without anchor: %d %q, want 0 (tail removal is invisible to the chain)", code, out)
	}
	code, out, _ := runCLI("audit", "verify", "--anchor", anchor, path)
	if code != cli.ExitFindings || !strings.Contains(out, "line 4: missing") {
		t.Errorf("audit verify --anchor = %d, %q, want 1, line 4: missing", code, out)
	}
}

func TestAuditVerifyCannotRead(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.log")
	for _, args := range [][]string{
		{"audit", "verify", missing},
		{"audit", "verify", "a", "b"},
		{"audit", "verify", "--anchor", "x", missing},
		{"audit"},
	} {
		code, out, errOut := runCLI(args...)
		if code != cli.ExitFailed || out != "" || !strings.HasPrefix(errOut, "sluice: ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v = %d, %q, %q, want 2 and one error line", args, code, out, errOut)
		}
	}
}
