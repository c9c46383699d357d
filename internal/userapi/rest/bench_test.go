package rest_test

import (
	"context"
	"io"
	"net/http/httptest"
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
	c, err := rest.New(userapi.Profile{Name: "b", URL: srv.URL + "/v1", Token: "t"}, userapi.Env{})
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
