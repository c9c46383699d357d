package udata

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/userctl/userctl/internal/sandbox"
)

var udImageExt = map[string]string{"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

func (h *udataHandler) avatar(w http.ResponseWriter, r *http.Request, c udCaller, ref string) {
	if !needAdmin(w, c) {
		return
	}
	cur, ok := h.live(w, r, ref)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 10<<20)
	if err := r.ParseMultipartForm(10 << 20); err != nil {
		udError(w, http.StatusBadRequest, "The request must be multipart/form-data with a file part: "+err.Error())
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		udFieldErrors(w, map[string]string{"file": udRequired}, true, "")
		return
	}
	ext, ok := udImageExt[strings.ToLower(strings.TrimSpace(files[0].Header.Get("Content-Type")))]
	if !ok {
		udError(w, http.StatusBadRequest, "Unsupported image format")
		return
	}
	if bbox := r.MultipartForm.Value["bbox"]; len(bbox) > 0 && !udBBox(bbox[0]) {
		udFieldErrors(w, map[string]string{"bbox": "Invalid bounding box: want left,top,right,bottom integers"}, false, "Validation error")
		return
	}
	image := udAbs(r, fmt.Sprintf("/avatars/%s-%d.%s", cur.ID, h.st.NextSeq(), ext), nil)
	if _, err := h.st.Update(cur.ID, func(rec *sandbox.Record) error { rec.Avatar = image; return nil }); err != nil {
		udError(w, http.StatusInternalServerError, err.Error())
		return
	}
	udJSON(w, http.StatusOK, map[string]any{"success": true, "image": image})
}

func udBBox(s string) bool {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(strings.TrimSpace(p)); err != nil {
			return false
		}
	}
	return true
}
