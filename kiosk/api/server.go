package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Station is what the server needs of the daemon.
type Station interface {
	Status(ctx context.Context) Status
	Sessions(ctx context.Context, limit int) ([]Session, error)
	Session(ctx context.Context, id string) (*SessionDetail, error)
	Cancel(id string) error
	SetOperator(name string) error
	// Subscribe returns a channel of events and a func that ends the
	// subscription. A subscriber too slow to keep up loses events, never
	// the station its pace.
	Subscribe() (<-chan Event, func())
}

// Errors a Station returns for the server to map to HTTP statuses.
var (
	ErrNotFound   = errors.New("no such session")
	ErrNotRunning = errors.New("session is not running")
	ErrInvalid    = errors.New("invalid request")
)

// maxBody bounds request bodies; the API takes small JSON objects only.
const maxBody = 64 << 10

// Handler serves the API for st.
func Handler(st Station, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, st.Status(r.Context()))
	})
	mux.HandleFunc("GET /v1/sessions", func(w http.ResponseWriter, r *http.Request) {
		limit := 50
		if s := r.URL.Query().Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 1000 {
				writeError(w, log, fmt.Errorf("%w: limit must be 1 to 1000", ErrInvalid))
				return
			}
			limit = n
		}
		ss, err := st.Sessions(r.Context(), limit)
		if err != nil {
			writeError(w, log, err)
			return
		}
		writeJSON(w, http.StatusOK, ss)
	})
	mux.HandleFunc("GET /v1/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		d, err := st.Session(r.Context(), r.PathValue("id"))
		if err != nil {
			writeError(w, log, err)
			return
		}
		writeJSON(w, http.StatusOK, d)
	})
	mux.HandleFunc("POST /v1/sessions/{id}/cancel", func(w http.ResponseWriter, r *http.Request) {
		if err := st.Cancel(r.PathValue("id")); err != nil {
			writeError(w, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /v1/operator", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Operator string `json:"operator"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			writeError(w, log, fmt.Errorf("%w: body must be {\"operator\": \"...\"}", ErrInvalid))
			return
		}
		if err := st.SetOperator(body.Operator); err != nil {
			writeError(w, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/events", func(w http.ResponseWriter, r *http.Request) {
		serveEvents(w, r, st, log)
	})
	return mux
}

// serveEvents streams events as server-sent events until the client goes.
func serveEvents(w http.ResponseWriter, r *http.Request, st Station, log *slog.Logger) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, log, errors.New("streaming unsupported"))
		return
	}
	events, stop := st.Subscribe()
	defer stop()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	// A first status lets a client draw the screen without a second call.
	writeEvent(w, "status", st.Status(r.Context()))
	flusher.Flush()
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			// The daemon stops (or the client went): what was already
			// published, such as how the running session ended, still
			// goes out before the stream closes.
			drain(w, events)
			flusher.Flush()
			return
		case <-heartbeat.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case ev, ok := <-events:
			if !ok {
				return
			}
			writeEvent(w, ev.Type, ev)
		}
		flusher.Flush()
	}
}

// drain writes the events already waiting in events, without waiting for
// more.
func drain(w http.ResponseWriter, events <-chan Event) {
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			writeEvent(w, ev.Type, ev)
		default:
			return
		}
	}
}

func writeEvent(w http.ResponseWriter, typ string, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", typ, b)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// writeError answers with err's text when the client can act on it, and
// otherwise logs err and answers with a pointer to the log.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	code := http.StatusInternalServerError
	msg := "internal error; see the station log"
	switch {
	case errors.Is(err, ErrNotFound):
		code, msg = http.StatusNotFound, err.Error()
	case errors.Is(err, ErrNotRunning):
		code, msg = http.StatusConflict, err.Error()
	case errors.Is(err, ErrInvalid):
		code, msg = http.StatusBadRequest, err.Error()
	default:
		log.Error("api request", "err", err)
	}
	writeJSON(w, code, Error{Error: msg})
}

// Listen opens the API socket at path with mode 0660 and, when group is
// not empty, that group, so that only root and the group's members may
// connect. A stale socket from a previous run is replaced.
//
// The socket is bound in a private folder beside path and renamed into
// place once its group and mode are set. Bound at path, it would be there
// for a moment with the mode the umask gives (0777 under umask 0), and a
// connection made in that moment outlives the chmod.
func Listen(path, group string) (net.Listener, error) {
	gid := -1
	if group != "" {
		g, err := user.LookupGroup(group)
		if err != nil {
			return nil, fmt.Errorf("api socket group %q: %w", group, err)
		}
		if gid, err = strconv.Atoi(g.Gid); err != nil {
			return nil, fmt.Errorf("api socket group %q: %w", group, err)
		}
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket == 0 {
		return nil, fmt.Errorf("api socket %s: exists and is not a socket", path)
	}
	// MkdirTemp makes the folder 0700: nobody else can reach the socket
	// until it is renamed out. A short name keeps within the 108 bytes of
	// a socket address.
	dir, err := os.MkdirTemp(filepath.Dir(path), ".api")
	if err != nil {
		return nil, fmt.Errorf("api socket: %w", err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("api socket: %w", err)
	}
	// The listener would unlink tmp, a name it no longer has, on Close;
	// socketListener unlinks path instead.
	ln.SetUnlinkOnClose(false)
	if err := setupSocket(tmp, gid, path); err != nil {
		ln.Close()
		return nil, fmt.Errorf("api socket: %w", err)
	}
	return &socketListener{UnixListener: ln, path: path}, nil
}

// setupSocket gives the socket at tmp its group and mode, then renames it
// to path, replacing a stale socket in one step.
func setupSocket(tmp string, gid int, path string) error {
	if gid >= 0 {
		if err := os.Chown(tmp, -1, gid); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o660); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// socketListener is a unix listener bound under another name and renamed
// to path: it reports path as its address and removes it on Close.
type socketListener struct {
	*net.UnixListener
	path   string
	unlink sync.Once
}

func (l *socketListener) Addr() net.Addr { return &net.UnixAddr{Name: l.path, Net: "unix"} }

func (l *socketListener) Close() error {
	err := l.UnixListener.Close()
	l.unlink.Do(func() { os.Remove(l.path) })
	return err
}

// Serve serves h on ln until ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	// ConnContext records the peer's credentials: root on the station's
	// shell is admin without a PIN (see RequireAdmin).
	// BaseContext: requests end with ctx, so that event streams close at
	// once when the daemon stops instead of holding Shutdown up.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ConnContext: PeerConnContext,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		<-done
		return nil
	}
}
