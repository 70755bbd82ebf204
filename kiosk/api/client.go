package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ErrUnreachable means the daemon did not answer on its socket: it is not
// running, or the caller may not use the socket.
var ErrUnreachable = errors.New("station daemon not reachable")

// ErrStreamEnded means the daemon closed the event stream while the client
// still wanted it: the daemon stopped or restarted.
var ErrStreamEnded = errors.New("the station daemon closed the event stream")

// Client talks to the daemon over its unix socket.
type Client struct {
	socket string
	hc     *http.Client
}

// NewClient returns a client of the daemon listening on socket.
func NewClient(socket string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
	}
	return &Client{socket: socket, hc: &http.Client{Transport: tr}}
}

// Status returns the station's status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var s Status
	return &s, c.do(ctx, http.MethodGet, "/v1/status", nil, &s)
}

// Sessions returns the latest sessions, newest first.
func (c *Client) Sessions(ctx context.Context, limit int) ([]Session, error) {
	var ss []Session
	return ss, c.do(ctx, http.MethodGet, fmt.Sprintf("/v1/sessions?limit=%d", limit), nil, &ss)
}

// Session returns one session with its files.
func (c *Client) Session(ctx context.Context, id string) (*SessionDetail, error) {
	var d SessionDetail
	return &d, c.do(ctx, http.MethodGet, "/v1/sessions/"+url.PathEscape(id), nil, &d)
}

// Cancel stops a running session; nothing of it is published.
func (c *Client) Cancel(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, "/v1/sessions/"+url.PathEscape(id)+"/cancel", nil, nil)
}

// SetOperator says who the next session belongs to.
func (c *Client) SetOperator(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodPost, "/v1/operator", map[string]string{"operator": name}, nil)
}

// Events calls fn for every event until ctx ends (it returns ctx's
// error), the daemon ends the stream (ErrStreamEnded), or fn returns an
// error. The first event is a "status" event, whose Session is the
// current session, if any.
func (c *Client) Events(ctx context.Context, fn func(typ string, data []byte) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://sluice/v1/events", nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.unreachable(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return responseError(resp)
	}
	var fnErr error
	err = ReadEvents(resp.Body, func(typ string, data []byte) error {
		fnErr = fn(typ, data)
		return fnErr
	})
	switch {
	case fnErr != nil:
		return fnErr
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return fmt.Errorf("%w: %v", ErrStreamEnded, err)
	}
	return ErrStreamEnded
}

// ReadEvents calls fn for each event of the server-sent event stream r, as
// the daemon writes it ("event: TYPE", then one "data: JSON" line), until r
// ends (it returns nil, or the read error) or fn returns an error.
func ReadEvents(r io.Reader, fn func(typ string, data []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var typ string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			typ = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if err := fn(typ, []byte(strings.TrimPrefix(line, "data: "))); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.call(ctx, method, path, "", in, out, responseError)
}

// call sends one request: in as a JSON body when not nil, the bearer
// token when not empty. A success is decoded into out when not nil; an
// error response is turned back into its error by errorOf.
func (c *Client) call(ctx context.Context, method, path, token string, in, out any, errorOf func(*http.Response) error) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://sluice"+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.unreachable(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return errorOf(resp)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(out); err != nil {
		return fmt.Errorf("station answer: %w", err)
	}
	return nil
}

func (c *Client) unreachable(err error) error {
	return fmt.Errorf("%w at %s: %v", ErrUnreachable, c.socket, err)
}

// responseError turns an error response back into the sentinel it came from.
func responseError(resp *http.Response) error {
	var e Error
	json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&e)
	var base error
	switch resp.StatusCode {
	case http.StatusNotFound:
		base = ErrNotFound
	case http.StatusConflict:
		base = ErrNotRunning
	case http.StatusBadRequest:
		base = ErrInvalid
	default:
		return fmt.Errorf("station: %s: %s", resp.Status, e.Error)
	}
	return fmt.Errorf("%w: %s", base, e.Error)
}
