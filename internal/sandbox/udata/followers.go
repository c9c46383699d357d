package udata

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
)

// followTarget finds the user of a followers path: by id only.
func (h *udataHandler) followTarget(w http.ResponseWriter, r *http.Request, id string) (sandbox.Record, bool) {
	rec, ok := h.st.Get(id)
	if !ok || rec.Status == "deleted" {
		udNotFound(w, r)
		return sandbox.Record{}, false
	}
	return rec, true
}

type udFollowItem struct {
	ID       string `json:"id"`
	Follower udRef  `json:"follower"`
	Since    string `json:"since"`
}

func (h *udataHandler) followers(w http.ResponseWriter, r *http.Request, id string) {
	target, ok := h.followTarget(w, r, id)
	if !ok {
		return
	}
	pg, size, ok := udPageArgs(w, r)
	if !ok {
		return
	}
	size = h.opts.PageCap(size)
	type entry struct {
		id    string
		since time.Time
	}
	entries := make([]entry, 0, len(target.Followers))
	for fid, since := range target.Followers {
		entries = append(entries, entry{fid, since})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := a.since.Compare(b.since); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	total := len(entries)
	from := min((pg-1)*size, total)
	items := []udFollowItem{}
	for _, e := range entries[from:min(from+size, total)] {
		rec, ok := h.st.Get(e.id)
		if !ok {
			continue
		}
		items = append(items, udFollowItem{ID: udFollowID(e.id, target.ID), Follower: h.refOf(r, &rec), Since: udTimeZ(e.since)})
	}
	udPage(w, r, items, pg, size, total)
}

// udFollowID makes the stable 24-hex id of one follow.
func udFollowID(follower, followee string) string {
	var h uint64 = 14695981039346656037
	for _, b := range []byte(follower + ":" + followee) {
		h = (h ^ uint64(b)) * 1099511628211
	}
	return fmt.Sprintf("5c%022x", h)
}

func (h *udataHandler) follow(w http.ResponseWriter, r *http.Request, c udCaller, id string, follow bool) {
	if !needLogin(w, c) {
		return
	}
	if _, ok := h.followTarget(w, r, id); !ok {
		return
	}
	if follow && c.is(id) {
		udError(w, http.StatusForbidden, "You can't follow yourself")
		return
	}
	errNotFollowing := errors.New("You are not following this user") //lint:ignore ST1005 udata's own words, sent to clients
	status := http.StatusOK
	updated, err := h.st.Update(id, func(rec *sandbox.Record) error {
		_, following := rec.Followers[c.rec.ID]
		switch {
		case follow && !following:
			if rec.Followers == nil {
				rec.Followers = map[string]time.Time{}
			}
			rec.Followers[c.rec.ID] = time.Now().UTC()
			status = http.StatusCreated
		case !follow && !following:
			return errNotFollowing
		case !follow:
			delete(rec.Followers, c.rec.ID)
		}
		return nil
	})
	switch {
	case errors.Is(err, errNotFollowing):
		udError(w, http.StatusNotFound, errNotFollowing.Error())
	case errors.Is(err, sandbox.ErrNotFound):
		udNotFound(w, r)
	case err != nil:
		udError(w, http.StatusInternalServerError, err.Error())
	default:
		udJSON(w, status, map[string]int{"followers": len(updated.Followers)})
	}
}
