package rest_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/userctl/userctl/internal/output"
	"github.com/userctl/userctl/internal/sandbox"
	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/rest"
)

// BenchmarkExport lists 100,000 sandbox users through the client and writes
// them as JSON Lines: the path of `users export`. It reports users/s.
func BenchmarkExport(b *testing.B) {
	const n = 100_000
	st := sandbox.NewStore()
	h, err := sandbox.NewHandler(sandbox.Options{API: "rest", Seed: n}, st)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := rest.New(userapi.Profile{Name: "b", URL: srv.URL + "/v1", Secrets: map[string]string{"token": "t"}}, userapi.Env{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		w, err := output.NewWriter(io.Discard, output.Options{Format: "jsonl"}, output.UserSchema(), true)
		if err != nil {
			b.Fatal(err)
		}
		for u, err := range c.ListUsers(context.Background(), userapi.ListOptions{PageSize: 1000}) {
			if err != nil {
				b.Fatal(err)
			}
			if err := w.Write(u); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "users/s")
}

// BenchmarkCreateParallel creates users from 16 goroutines against the
// sandbox: the path of `users import`. It reports creates/s.
func BenchmarkCreateParallel(b *testing.B) {
	h, err := sandbox.NewHandler(sandbox.Options{API: "rest"}, sandbox.NewStore())
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := rest.New(userapi.Profile{Name: "b", URL: srv.URL + "/v1", Secrets: map[string]string{"token": "t"}}, userapi.Env{})
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			_, err := c.CreateUser(context.Background(), userapi.CreateRequest{
				Email: fmt.Sprintf("u%d@example.com", i), Name: fmt.Sprintf("User %d", i), Password: "password-123"})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}
