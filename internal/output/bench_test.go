package output

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/userapi"
)

func benchUsers(n int) []userapi.User {
	ts := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	users := make([]userapi.User, n)
	for i := range users {
		users[i] = userapi.User{
			ID: fmt.Sprintf("usr_%06d", i), Username: fmt.Sprintf("user%d", i), Email: fmt.Sprintf("user%d@example.com", i),
			Name: fmt.Sprintf("User %d", i), Roles: []string{"member"}, Status: userapi.StatusActive, CreatedAt: &ts,
		}
	}
	return users
}

// BenchmarkJSONL writes 100,000 users as JSON Lines per iteration; the
// users/s metric must stay well above 200,000.
func BenchmarkJSONL(b *testing.B) {
	users := benchUsers(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w, err := NewWriter(io.Discard, Options{Format: "jsonl"}, UserSchema(), true)
		if err != nil {
			b.Fatal(err)
		}
		for i := range users {
			if err := w.Write(users[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(users))/b.Elapsed().Seconds(), "users/s")
}

// BenchmarkJSONLFields is BenchmarkJSONL with --fields id,email,roles.
func BenchmarkJSONLFields(b *testing.B) {
	users := benchUsers(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w, err := NewWriter(io.Discard, Options{Format: "jsonl", Fields: []string{"id", "email", "roles"}}, UserSchema(), true)
		if err != nil {
			b.Fatal(err)
		}
		for i := range users {
			if err := w.Write(users[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(users))/b.Elapsed().Seconds(), "users/s")
}
