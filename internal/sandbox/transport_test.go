package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

func TestTransportServesInProcess(t *testing.T) {
	h, _ := sandbox.NewHandler(sandbox.Options{API: "rest"}, sandbox.NewStore())
	c := &http.Client{Transport: sandbox.Transport(h)}
	req, _ := http.NewRequest("POST", "http://sandbox.userctl.invalid/v1/users",
		strings.NewReader(`{"email":"a@example.com","name":"A","password":"12345678"}`))
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.Status != "201 Created" || resp.Header.Get("Content-Type") != "application/json" ||
		!strings.Contains(string(body), `"email":"a@example.com"`) || resp.Request != req {
		t.Fatalf("create: %s %v %s", resp.Status, resp.Header, body)
	}
	req, _ = http.NewRequest("DELETE", "http://sandbox.userctl.invalid/v1/users/usr_000001", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := io.Copy(io.Discard, resp.Body); resp.StatusCode != 204 || n != 0 {
		t.Fatalf("delete: %d, %d body bytes", resp.StatusCode, n)
	}
	resp.Body.Close()
}

func TestTransportStreamsLargeBodies(t *testing.T) {
	const chunk, chunks = 64 << 10, 64 // 4 MiB, more than the pipe buffers
	wrote := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-wrote // the client has its response before the body is written
		for i := range chunks {
			if _, err := w.Write(bytes.Repeat([]byte{byte('a' + i%26)}, chunk)); err != nil {
				return
			}
		}
	})
	resp, err := (&http.Client{Transport: sandbox.Transport(h)}).Get("http://x.invalid/big")
	if err != nil {
		t.Fatal(err)
	}
	close(wrote)
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != chunk*chunks {
		t.Fatalf("read %d bytes, err %v", n, err)
	}
}

func TestTransportClosingBodyStopsHandler(t *testing.T) {
	done := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 32<<10)
		for {
			if _, err := w.Write(buf); err != nil {
				done <- err
				return
			}
		}
	})
	resp, err := (&http.Client{Transport: sandbox.Transport(h)}).Get("http://x.invalid/endless")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := <-done; !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("handler write after close: %v", err)
	}
}

func TestTransportHonoursContext(t *testing.T) {
	entered := make(chan struct{})
	handlerCtx := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
		handlerCtx <- r.Context().Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://x.invalid/slow", nil)
	errc := make(chan error, 1)
	go func() {
		_, err := sandbox.Transport(h).RoundTrip(req)
		errc <- err
	}()
	<-entered
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("RoundTrip: %v", err)
	}
	if err := <-handlerCtx; !errors.Is(err, context.Canceled) {
		t.Fatalf("handler context: %v", err)
	}

	// Cancelled while the body streams: the read fails.
	ctx, cancel = context.WithCancel(context.Background())
	h2 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("partial"))
		<-r.Context().Done()
	})
	req, _ = http.NewRequestWithContext(ctx, "GET", "http://x.invalid/stream", nil)
	resp, err := sandbox.Transport(h2).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 7)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "partial" {
		t.Fatalf("first bytes %q: %v", buf, err)
	}
	cancel()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v", err)
	}
}

func TestTransportRequestDetails(t *testing.T) {
	var got *http.Request
	var gotBody string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		_, _ = w.Write([]byte("<html>hi</html>"))
	})
	req, _ := http.NewRequest("PUT", "http://host.invalid/a/b?x=1", strings.NewReader("payload"))
	req.Header.Set("X-Test", "yes")
	resp, err := sandbox.Transport(h).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got.RequestURI != "/a/b?x=1" || got.Host != "host.invalid" || got.Header.Get("X-Test") != "yes" ||
		gotBody != "payload" || got.RemoteAddr == "" {
		t.Fatalf("handler saw %+v body %q", got, gotBody)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || string(b) != "<html>hi</html>" {
		t.Fatalf("response %d %v %q", resp.StatusCode, resp.Header, b)
	}
}

func TestTransportHandlerPanic(t *testing.T) {
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	resp, err := sandbox.Transport(h).RoundTrip(mustRequest(t, "GET", "http://x.invalid/"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 || !strings.Contains(string(b), "boom") {
		t.Fatalf("panic: %d %q", resp.StatusCode, b)
	}
}

func TestTransportEmptyHandlerIs200(t *testing.T) {
	resp, err := sandbox.Transport(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).RoundTrip(mustRequest(t, "GET", "http://x.invalid/"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(b) != 0 {
		t.Fatalf("%d %q", resp.StatusCode, b)
	}
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
