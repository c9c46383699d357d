package bulk

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/userctl/userctl/internal/userapi"
)

const benchLines = 100_000

func benchFile(format Format) []byte {
	var b bytes.Buffer
	if format == FormatCSV {
		b.WriteString("email,username,name,roles,status\n")
	}
	for i := range benchLines {
		if format == FormatCSV {
			fmt.Fprintf(&b, "user%d@example.com,user%d,User %d,dev;ops,active\n", i, i, i)
		} else {
			fmt.Fprintf(&b, `{"email":"user%d@example.com","username":"user%d","name":"User %d","roles":["dev","ops"],"status":"active"}`+"\n", i, i, i)
		}
	}
	return b.Bytes()
}

func benchRead(b *testing.B, format Format) {
	data := benchFile(format)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for it, err := range Read(bytes.NewReader(data), format, "bench") {
			if err != nil || it.Err != nil {
				b.Fatal(err, it.Err)
			}
			n++
		}
		if n != benchLines {
			b.Fatalf("%d items", n)
		}
	}
}

// BenchmarkReadCSV reads 100k CSV lines.
func BenchmarkReadCSV(b *testing.B) { benchRead(b, FormatCSV) }

// BenchmarkReadJSONL reads 100k JSON Lines.
func BenchmarkReadJSONL(b *testing.B) { benchRead(b, FormatJSONL) }

// BenchmarkPlan compares 100k items with 100k users, a tenth different.
func BenchmarkPlan(b *testing.B) {
	current := make([]userapi.User, benchLines)
	desired := make([]Item, benchLines)
	for i := range benchLines {
		current[i] = userapi.User{ID: fmt.Sprintf("usr_%d", i), Username: fmt.Sprintf("user%d", i),
			Email: fmt.Sprintf("user%d@example.com", i), Name: fmt.Sprintf("User %d", i), Roles: []string{"ops", "dev"},
			Status: userapi.StatusActive}
		name := current[i].Name
		if i%10 == 0 {
			name += " Jr"
		}
		desired[i] = Item{Line: i + 2, Email: current[i].Email, Name: name, Roles: []string{"dev", "ops"}, Status: userapi.StatusActive}
	}
	f := newFullFake()
	b.ReportAllocs()
	for b.Loop() {
		plan := NewPlan(f, current, desired, true)
		if c := plan.Counts(); c.Update != benchLines/10 || c.Unchanged != benchLines-benchLines/10 {
			b.Fatalf("counts %+v", c)
		}
	}
}

// noopBackend accepts every create at once.
type noopBackend struct{ *fake }

func (noopBackend) CreateUser(context.Context, userapi.CreateRequest) (userapi.User, error) {
	return userapi.User{ID: "x"}, nil
}

// BenchmarkImportPool measures the pool's own overhead per item (16
// workers, a backend that does nothing, the report written to a buffer).
func BenchmarkImportPool(b *testing.B) {
	be := noopBackend{newFake()}
	var report bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		report.Reset()
		sum, err := Import(context.Background(), be, items(10_000), Options{Concurrency: 16, Report: &report})
		if err != nil || sum.Created != 10_000 {
			b.Fatal(sum, err)
		}
	}
	b.ReportMetric(float64(b.N*10_000)/b.Elapsed().Seconds(), "items/s")
}
