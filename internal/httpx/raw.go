package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/userctl/userctl/internal/errkind"
)

// Raw sends one authenticated request for `userctl api` and returns the
// response whatever its status, with the *errkind.Error of a non-2xx status
// alongside it. It goes through the same retries, limits and redacted log
// as Do; the body is already read into memory.
func (c *Client) Raw(ctx context.Context, method, path string, body []byte, header http.Header) (*http.Response, error) {
	retry := method == http.MethodGet || method == http.MethodHead
	resp, err := c.Do(ctx, Request{Method: method, Path: path, Body: body, Header: header, Retry: &retry})
	if err != nil {
		var e *errkind.Error
		if !errors.As(err, &e) || e.Status == 0 {
			return nil, err
		}
		return &http.Response{StatusCode: e.Status, Status: http.StatusText(e.Status), Header: http.Header{},
			Body: io.NopCloser(bytes.NewReader(e.Body)), ContentLength: int64(len(e.Body))}, err
	}
	return &http.Response{
		StatusCode: resp.Status, Status: http.StatusText(resp.Status), Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(resp.Body)), ContentLength: int64(len(resp.Body)),
	}, nil
}
