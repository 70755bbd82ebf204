package cli_test

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-ot/sluice/cmd/sluice/cli"
)

// TestWatchStreamEnded: when the daemon ends the event stream before the
// session it follows ends (sluiced stopped), watch --once fails with a
// hint instead of exiting 0 as if the session had gone well.
func TestWatchStreamEnded(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "api.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: status\ndata: {}\n\n")
		fmt.Fprint(w, `event: state`+"\n"+`data: {"type":"state","session":{"id":"s1","state":"scanning"}}`+"\n\n")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	code, out, errOut := runSluice("watch", "--once", "--socket", sock)
	if code != cli.ExitFailed || !strings.Contains(out, "s1  scanning") || !strings.Contains(errOut, "closed the event stream") {
		t.Errorf("watch --once on a stream that ends mid-session = exit %d, stdout %q, stderr %q; want exit %d, the scanning line, and why",
			code, out, errOut, cli.ExitFailed)
	}
}
