package udata

import (
	"net/http"

	"github.com/userctl/userctl/internal/sandbox"
)

func (h *udataHandler) rotatePassword(w http.ResponseWriter, r *http.Request, c udCaller, ref string) {
	if !needAdmin(w, c) {
		return
	}
	cur, ok := h.live(w, r, ref)
	if !ok {
		return
	}
	if _, err := h.st.Update(cur.ID, func(rec *sandbox.Record) error { rec.PasswordRotation = true; return nil }); err != nil {
		udError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
