package rest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/userctl/userctl/internal/httpx"
)

// BenchmarkDecodePage decodes a page of 1000 users as the sandbox sends it.
func BenchmarkDecodePage(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"data":[`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":"usr_%06d","email":"user%d@example.com","name":"User %d","role":"user","status":"active","created_at":"2026-11-23T20:18:20Z","updated_at":"2026-11-23T20:18:22Z"}`, i, i, i)
	}
	sb.WriteString(`],"page":1,"per_page":1000,"total":1000,"next_page":null}`)
	resp := &httpx.Response{Status: 200, Body: []byte(sb.String()), URL: &url.URL{Path: "/users"}}
	m, err := parseMapping("b", func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	c := &Client{m: m}
	b.SetBytes(int64(len(resp.Body)))
	for b.Loop() {
		users, _, err := c.decodePage(resp)
		if err != nil || len(users) != 1000 {
			b.Fatal(err, len(users))
		}
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "users/s")
}
