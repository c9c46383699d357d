package udata

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/userctl/userctl/internal/sandbox"
)

// lookup finds a user by id or slug (deleted ones included).
func (h *udataHandler) lookup(ref string) (sandbox.Record, bool) {
	rec, ok := h.st.Find(ref)
	if !ok || (rec.ID != ref && !strings.EqualFold(rec.Username, ref)) {
		return sandbox.Record{}, false
	}
	return rec, true
}

// live finds a user that is not deleted, answering 404 or 410 otherwise.
func (h *udataHandler) live(w http.ResponseWriter, r *http.Request, ref string) (sandbox.Record, bool) {
	rec, ok := h.lookup(ref)
	switch {
	case !ok:
		udNotFound(w, r)
	case rec.Status == "deleted":
		udError(w, http.StatusGone, "This user has been deleted")
	default:
		return rec, true
	}
	return sandbox.Record{}, false
}

func (h *udataHandler) me(w http.ResponseWriter, r *http.Request, c udCaller) {
	if !needLogin(w, c) {
		return
	}
	udJSON(w, http.StatusOK, h.view(r, c.rec, c))
}

func (h *udataHandler) roles(w http.ResponseWriter) {
	out := make([]map[string]string, 0, len(udRoles))
	for _, name := range udRoles {
		out = append(out, map[string]string{"name": name})
	}
	udJSON(w, http.StatusOK, out)
}

// udLess returns the order of a sort key (without its "-").
func udLess(key string) func(a, b *sandbox.Record) bool {
	lower := func(s string) string { return strings.ToLower(s) }
	switch key {
	case "last_name":
		return func(a, b *sandbox.Record) bool {
			_, la := udNames(a)
			_, lb := udNames(b)
			return lower(la) < lower(lb)
		}
	case "first_name":
		return func(a, b *sandbox.Record) bool {
			fa, _ := udNames(a)
			fb, _ := udNames(b)
			return lower(fa) < lower(fb)
		}
	case "followers":
		return func(a, b *sandbox.Record) bool { return len(a.Followers) < len(b.Followers) }
	case "created":
		return func(a, b *sandbox.Record) bool { return a.CreatedAt.Before(b.CreatedAt) }
	}
	// datasets, reuses, views: the sandbox has none, all equal.
	return func(a, b *sandbox.Record) bool { return false }
}

func (h *udataHandler) list(w http.ResponseWriter, r *http.Request, c udCaller) {
	if !needAdmin(w, c) {
		return
	}
	pg, size, ok := udPageArgs(w, r)
	if !ok {
		return
	}
	size = h.opts.PageCap(size)
	q := r.URL.Query()
	sortKey := q.Get("sort")
	if sortKey != "" && !slices.Contains(udSortKeys, strings.TrimPrefix(sortKey, "-")) {
		udFieldErrors(w, map[string]string{"sort": "The value '" + sortKey + "' is not a valid choice: " + strings.Join(udSortKeys, ", ")},
			false, "Input payload validation failed")
		return
	}
	words := strings.Fields(strings.ToLower(q.Get("q")))
	keep := func(rec *sandbox.Record) bool {
		if rec.Status == "deleted" {
			return false
		}
		first, last := udNames(rec)
		for _, wd := range words {
			if !strings.Contains(strings.ToLower(first), wd) && !strings.Contains(strings.ToLower(last), wd) &&
				!strings.Contains(strings.ToLower(rec.Email), wd) {
				return false
			}
		}
		return true
	}
	var recs []sandbox.Record
	var total int
	if sortKey == "" {
		recs, total = h.st.Page(keep, (pg-1)*size, size)
	} else {
		less := udLess(strings.TrimPrefix(sortKey, "-"))
		if strings.HasPrefix(sortKey, "-") {
			asc := less
			less = func(a, b *sandbox.Record) bool { return asc(b, a) }
		}
		all := h.st.Sorted(keep, less)
		total = len(all)
		from := min((pg-1)*size, total)
		recs = all[from:min(from+size, total)]
	}
	items := make([]udUser, 0, len(recs))
	for i := range recs {
		items = append(items, h.view(r, &recs[i], c))
	}
	udPage(w, r, items, pg, size, total)
}

// get answers a user by id or slug. As udata does (apis/udata.md, "get"),
// only non-admins get 410 for a deleted or inactive user: an admin sees the
// anonymised account.
func (h *udataHandler) get(w http.ResponseWriter, r *http.Request, c udCaller, ref string) {
	rec, ok := h.lookup(ref)
	switch {
	case !ok:
		udNotFound(w, r)
		return
	case rec.Status == "deleted" && !c.admin:
		udError(w, http.StatusGone, "This user has been deleted")
		return
	case rec.Status == "disabled" && !c.admin && !c.is(rec.ID):
		udError(w, http.StatusGone, "This user is not active")
		return
	}
	udJSON(w, http.StatusOK, h.view(r, &rec, c))
}

func (h *udataHandler) create(w http.ResponseWriter, r *http.Request, c udCaller) {
	if !needAdmin(w, c) {
		return
	}
	in, ok := udReadInput(w, r)
	if !ok || !h.validate(w, in, true, "") {
		return
	}
	first, last := strings.TrimSpace(*in.FirstName), strings.TrimSpace(*in.LastName)
	rec := sandbox.Record{
		ID:        fmt.Sprintf("5e%022x", h.st.NextSeq()),
		Email:     strings.TrimSpace(*in.Email),
		FirstName: first, LastName: last, Name: first + " " + last,
		Roles:  []string{},
		Status: "disabled", // older servers: a missing "active" is false
	}
	if in.Active != nil && *in.Active {
		rec.Status = "active"
	}
	if in.Roles != nil {
		rec.Roles = slices.Clone(*in.Roles)
	}
	rec.Admin = slices.Contains(rec.Roles, "admin")
	if in.Website != nil {
		rec.Website = *in.Website
	}
	if in.About != nil {
		rec.About = *in.About
	}
	var created sandbox.Record
	var err error
	for range 5 { // a concurrent create may take the slug first
		rec.Username = h.freeSlug(udSlugify(first + " " + last))
		if created, err = h.st.Create(rec); err == nil {
			break
		}
		if _, taken := h.st.FindByEmail(rec.Email); taken {
			udFieldErrors(w, map[string]string{"email": rec.Email + " is already associated with an account."}, false, "Validation error")
			return
		}
	}
	if err != nil {
		udError(w, http.StatusInternalServerError, "could not create the user: "+err.Error())
		return
	}
	udJSON(w, http.StatusCreated, h.view(r, &created, c))
}

func (h *udataHandler) update(w http.ResponseWriter, r *http.Request, c udCaller, ref string) {
	if !needAdmin(w, c) {
		return
	}
	cur, ok := h.live(w, r, ref)
	if !ok {
		return
	}
	in, ok := udReadInput(w, r)
	if !ok || !h.validate(w, in, false, cur.ID) {
		return
	}
	updated, err := h.st.Update(cur.ID, func(rec *sandbox.Record) error {
		if rec.Status == "deleted" {
			return sandbox.ErrNotFound
		}
		first, last := udNames(rec)
		if in.FirstName != nil {
			first = strings.TrimSpace(*in.FirstName)
		}
		if in.LastName != nil {
			last = strings.TrimSpace(*in.LastName)
		}
		rec.FirstName, rec.LastName, rec.Name = first, last, strings.TrimSpace(first+" "+last)
		if in.Email != nil {
			rec.Email = strings.TrimSpace(*in.Email)
		}
		if in.Website != nil {
			rec.Website = *in.Website
		}
		if in.About != nil {
			rec.About = *in.About
		}
		// Older servers: a missing roles key empties the roles.
		rec.Roles = []string{}
		if in.Roles != nil {
			rec.Roles = slices.Clone(*in.Roles)
		}
		rec.Admin = slices.Contains(rec.Roles, "admin")
		if in.Active != nil {
			rec.Status = "disabled"
			if *in.Active {
				rec.Status = "active"
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, sandbox.ErrNotFound):
		udError(w, http.StatusGone, "This user has been deleted")
	case errors.Is(err, sandbox.ErrConflict):
		udFieldErrors(w, map[string]string{"email": "This email is already associated with an account."}, false, "Validation error")
	case err != nil:
		udError(w, http.StatusInternalServerError, err.Error())
	default:
		udJSON(w, http.StatusOK, h.view(r, &updated, c))
	}
}

func (h *udataHandler) delete(w http.ResponseWriter, r *http.Request, c udCaller, ref string) {
	if !needAdmin(w, c) {
		return
	}
	cur, ok := h.live(w, r, ref)
	if !ok {
		return
	}
	if c.is(cur.ID) {
		udError(w, http.StatusForbidden, "You cannot delete yourself.")
		return
	}
	// no_mail and delete_comments change nothing the sandbox keeps.
	_, err := h.st.Update(cur.ID, func(rec *sandbox.Record) error {
		if rec.Status == "deleted" {
			return sandbox.ErrNotFound
		}
		rec.FirstName, rec.LastName, rec.Name = "DELETED", "", "DELETED"
		rec.Email = rec.ID + "@deleted"
		rec.Username = "deleted-" + rec.ID
		rec.Website, rec.About, rec.Avatar = "", "", ""
		rec.Roles = []string{}
		rec.Admin = false
		rec.Status = "deleted"
		return nil
	})
	switch {
	case errors.Is(err, sandbox.ErrNotFound):
		udError(w, http.StatusGone, "This user has been deleted")
	case err != nil:
		udError(w, http.StatusInternalServerError, err.Error())
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
