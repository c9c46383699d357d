package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

// Page without a filter skips removed records at any offset, like the
// filtered scan does.
func TestStorePageWithHoles(t *testing.T) {
	st := sandbox.NewStore()
	for i := range 5000 {
		if _, err := st.Create(sandbox.Record{ID: fmt.Sprint(i), Email: fmt.Sprintf("u%d@example.com", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Enough removals to compact once, and holes left after it.
	for i := 0; i < 5000; i += 3 {
		if err := st.Remove(fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"1", "4999"} {
		if err := st.Remove(id); err != nil {
			t.Fatal(err)
		}
	}
	all := func(*sandbox.Record) bool { return true }
	for _, c := range []struct{ offset, limit int }{{0, 10}, {1, 7}, {100, 50}, {3300, 100}, {3320, 100}, {0, 0}, {9999, 5}} {
		fast, ft := st.Page(nil, c.offset, c.limit)
		slow, stt := st.Page(all, c.offset, c.limit)
		if ft != stt || len(fast) != len(slow) {
			t.Fatalf("offset %d limit %d: fast %d/%d, scan %d/%d", c.offset, c.limit, len(fast), ft, len(slow), stt)
		}
		for i := range fast {
			if fast[i].ID != slow[i].ID {
				t.Fatalf("offset %d: record %d is %s, want %s", c.offset, i, fast[i].ID, slow[i].ID)
			}
		}
	}
	// The indexes survive compaction.
	if r, ok := st.FindByEmail("U2@example.com"); !ok || r.ID != "2" {
		t.Fatalf("find after compaction: %+v %v", r, ok)
	}
	if _, ok := st.Get("3"); ok {
		t.Fatal("removed record found")
	}
}

func TestStoreFindByKeys(t *testing.T) {
	st := sandbox.NewStore()
	st.Create(sandbox.Record{ID: "a", Email: "A@example.com", Username: "alpha"})
	if _, ok := st.FindByEmail("alpha"); ok {
		t.Fatal("FindByEmail matched a username")
	}
	if r, ok := st.FindByUsername("ALPHA"); !ok || r.ID != "a" {
		t.Fatal("FindByUsername")
	}
	if _, ok := st.FindByEmail(""); ok {
		t.Fatal("empty email matched")
	}
}

// Seeding 10,000 users and paging through all of them through the rest
// handler returns each once, in order.
func TestRESTSeedAndPageThrough(t *testing.T) {
	st := sandbox.NewStore()
	h, err := sandbox.NewHandler(sandbox.Options{API: "rest", Seed: 10_000}, st)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for page := 1; ; page++ {
		req := httptest.NewRequest("GET", fmt.Sprintf("/v1/users?page=%d&per_page=1000", page), nil)
		req.Header.Set("Authorization", "Bearer tok")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("page %d: %d %s", page, rec.Code, rec.Body)
		}
		var p restPage
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		for _, u := range p.Data {
			seen++
			if want := fmt.Sprintf("usr_%06d", seen); u.ID != want || u.Email != fmt.Sprintf("user%d@example.com", seen) {
				t.Fatalf("user %d is %s %s", seen, u.ID, u.Email)
			}
		}
		if p.Total != 10_000 {
			t.Fatalf("total %d", p.Total)
		}
		if p.NextPage == nil {
			break
		}
		if *p.NextPage != page+1 {
			t.Fatalf("next_page %d after %d", *p.NextPage, page)
		}
	}
	if seen != 10_000 {
		t.Fatalf("paged through %d users", seen)
	}
}

func BenchmarkSeedREST1M(b *testing.B) {
	for b.Loop() {
		st := sandbox.NewStore()
		seedREST(st, 1_000_000)
		if st.Len() != 1_000_000 {
			b.Fatalf("%d users", st.Len())
		}
	}
}

func BenchmarkRESTPageDeepIn1M(b *testing.B) {
	st := sandbox.NewStore()
	seedREST(st, 1_000_000)
	for i := 1; i <= 100; i++ { // a few holes
		st.Remove(restID(int64(i * 5000)))
	}
	h, _ := sandbox.NewHandler(sandbox.Options{API: "rest"}, st)
	req := httptest.NewRequest("GET", "/v1/users?page=900&per_page=1000", nil)
	req.Header.Set("Authorization", "Bearer tok")
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
