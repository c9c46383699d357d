package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/userctl/userctl/internal/sandbox"
)

// TestMaxPageSizeCapsEveryDialectsListSilently: --max-page-size answers a
// request for 100 users with the cap, as real APIs do, and the paging
// metadata stays consistent with it.
func TestMaxPageSizeCapsEveryDialectsListSilently(t *testing.T) {
	for _, tc := range []struct {
		api, path, header, value string
		items, sizeKey           string
	}{
		{"rest", "/v1/users?page=2&per_page=100", "Authorization", "Bearer x", "data", "per_page"},
		{"udata", "/api/1/users/?page=2&page_size=100", "X-API-KEY", "k", "data", "page_size"},
		{"scim", "/scim/v2/Users?startIndex=8&count=100", "Authorization", "Bearer x", "Resources", "itemsPerPage"},
	} {
		t.Run(tc.api, func(t *testing.T) {
			h, err := sandbox.NewHandler(sandbox.Options{API: tc.api, Seed: 30, MaxPageSize: 7}, sandbox.NewStore())
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			req.Header.Set(tc.header, tc.value)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var page map[string]json.RawMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
				t.Fatal(err)
			}
			var items []map[string]any
			if err := json.Unmarshal(page[tc.items], &items); err != nil {
				t.Fatal(err)
			}
			if len(items) != 7 || string(page[tc.sizeKey]) != "7" {
				t.Fatalf("%d users, %s %s; want 7 and 7: %s", len(items), tc.sizeKey, page[tc.sizeKey], rec.Body)
			}
		})
	}
	if _, err := sandbox.NewHandler(sandbox.Options{API: "rest", MaxPageSize: -1}, sandbox.NewStore()); err == nil {
		t.Fatal("a negative max page size was accepted")
	}
}
