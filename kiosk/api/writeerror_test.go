package api

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// brokenStation fails a session lookup the way a broken history would.
type brokenStation struct{ fakeStation }

func (*brokenStation) Session(context.Context, string) (*SessionDetail, error) {
	return nil, errors.New("history: database disk image is malformed")
}

// An internal error is kept from the client, which is told to see the
// station log: so the log must hold it.
func TestInternalErrorLogged(t *testing.T) {
	var logged bytes.Buffer
	h := Handler(&brokenStation{}, slog.New(slog.NewTextHandler(&logged, nil)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/sessions/s1", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("GET /v1/sessions/s1 = %d, want 500", rec.Code)
	}
	if body := rec.Body.String(); strings.Contains(body, "malformed") || !strings.Contains(body, "see the station log") {
		t.Errorf("body = %s, want the internal error kept out and a pointer to the log", body)
	}
	if !strings.Contains(logged.String(), "database disk image is malformed") {
		t.Errorf("log = %q, want the internal error", logged.String())
	}
}
