package udata

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/userctl/userctl/internal/sandbox"
)

type udSuggestion struct {
	ID        string  `json:"id"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	AvatarURL *string `json:"avatar_url"`
	Email     string  `json:"email"`
	Slug      string  `json:"slug"`
}

func (h *udataHandler) suggest(w http.ResponseWriter, r *http.Request, c udCaller) {
	q := r.URL.Query()
	text := udSlugify(q.Get("q"))
	if text == "" {
		udFieldErrors(w, map[string]string{"q": "Missing required parameter in the query string"}, false, "Input payload validation failed")
		return
	}
	size := 10
	if v := q.Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > udMaxSuggest {
			udFieldErrors(w, map[string]string{"size": fmt.Sprintf("Invalid argument: size must be between 1 and %d", udMaxSuggest)},
				false, "Input payload validation failed")
			return
		}
		size = n
	}
	recs, _ := h.st.Page(func(rec *sandbox.Record) bool {
		return rec.Status != "deleted" && strings.Contains(strings.ToLower(rec.Username), text)
	}, 0, size)
	out := make([]udSuggestion, 0, len(recs))
	for i := range recs {
		rec := &recs[i]
		first, last := udNames(rec)
		email := rec.Email
		if !c.admin && !c.is(rec.ID) {
			if _, domain, ok := strings.Cut(email, "@"); ok {
				email = "***@" + domain
			}
		}
		out = append(out, udSuggestion{ID: rec.ID, FirstName: first, LastName: last, AvatarURL: udOpt(rec.Avatar), Email: email, Slug: rec.Username})
	}
	udJSON(w, http.StatusOK, out)
}
