package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/userctl/userctl/internal/userapi"
	"github.com/userctl/userctl/internal/userapi/rest"
)

// TestUsersCreatedDuringTheListingShiftNoUserInTwice: two users created at
// the head of the list while the listing is at page 3 push every later
// entry two places on; the users of pages 3 on then start with the last
// two of page 2, which are not listed again — page by page or in parallel.
func TestUsersCreatedDuringTheListingShiftNoUserInTwice(t *testing.T) {
	for _, window := range []int{1, 8} {
		t.Run(strconv.Itoa(window), func(t *testing.T) {
			var mu sync.Mutex
			var ids []string
			for i := range 30 {
				ids = append(ids, fmt.Sprintf("usr_%02d", i))
			}
			want := slices.Clone(ids)
			created := false
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				page, _ := strconv.Atoi(r.URL.Query().Get("page"))
				const size = 5
				mu.Lock()
				if page >= 3 && !created {
					created = true
					ids = append([]string{"usr_new1", "usr_new2"}, ids...)
				}
				var data []map[string]string
				for i := (page - 1) * size; i < page*size && i < len(ids); i++ {
					data = append(data, map[string]string{"id": ids[i], "email": ids[i] + "@example.com"})
				}
				total := len(ids)
				mu.Unlock()
				_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "page": page, "per_page": size, "total": total})
			}))
			defer srv.Close()
			b, err := rest.New(userapi.Profile{Name: "t", API: "rest", URL: srv.URL, Secrets: map[string]string{"token": "tok"},
				Values: map[string]string{"page_size": "5"}}, userapi.Env{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for u, err := range b.ListUsers(context.Background(), userapi.ListOptions{PageConcurrency: window}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, u.ID)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("listed %v\nwant every user present all along, once, in order: %v", got, want)
			}
		})
	}
}

// TestOffsetPagingInParallel: with pagination: offset and a total, the
// offsets after the second page are asked for together (three at once
// here, which one page at a time never does), and the users come in order.
func TestOffsetPagingInParallel(t *testing.T) {
	const n, size = 95, 10
	var mu sync.Mutex
	inFlight := 0
	together := make(chan struct{})
	var asked []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		mu.Lock()
		asked = append(asked, off)
		mu.Unlock()
		if off >= 2*size && off < 5*size {
			mu.Lock()
			if inFlight++; inFlight == 3 {
				close(together)
			}
			mu.Unlock()
			select {
			case <-together:
			case <-r.Context().Done():
				return
			}
		}
		var data []map[string]string
		for i := off; i < off+size && i < n; i++ {
			data = append(data, map[string]string{"id": fmt.Sprintf("usr_%02d", i)})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"items": data, "total": n})
	}))
	defer srv.Close()
	b, err := rest.New(userapi.Profile{Name: "t", API: "rest", URL: srv.URL, Secrets: map[string]string{"token": "tok"},
		Values: map[string]string{"pagination": "offset", "page_size": "10"}}, userapi.Env{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []string
	for u, err := range b.ListUsers(ctx, userapi.ListOptions{PageConcurrency: 3}) {
		if err != nil {
			t.Fatalf("%v (the offsets were never asked for together?)", err)
		}
		got = append(got, u.ID)
	}
	if len(got) != n {
		t.Fatalf("listed %d users, want %d", len(got), n)
	}
	for i, id := range got {
		if id != fmt.Sprintf("usr_%02d", i) {
			t.Fatalf("user %d is %s: out of order", i, id)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(asked)
	if fmt.Sprint(asked) != "[0 10 20 30 40 50 60 70 80 90]" {
		t.Fatalf("offsets asked %v, want each of 0..90 once", asked)
	}
}
