package udata

import (
	"encoding/json"
	"net/http"
)

func udataErrorBody(_ int, msg string) (string, []byte) {
	b, _ := json.Marshal(map[string]string{"message": msg})
	return "application/json", b
}

func udError(w http.ResponseWriter, status int, msg string) {
	ct, body := udataErrorBody(status, msg)
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// udFieldErrors answers 400 with field errors: lists of messages with no
// top-level message (older form errors) when list is true, else strings
// with "message" (newer servers).
func udFieldErrors(w http.ResponseWriter, fields map[string]string, list bool, msg string) {
	var body any
	if list {
		errs := map[string][]string{}
		for k, v := range fields {
			errs[k] = []string{v}
		}
		body = map[string]any{"errors": errs}
	} else {
		body = map[string]any{"errors": fields, "message": msg}
	}
	udJSON(w, http.StatusBadRequest, body)
}

func udJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		udError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = w.Write([]byte("\n"))
}

func udNotFound(w http.ResponseWriter, r *http.Request) {
	udError(w, http.StatusNotFound, "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again. You have requested this URI ["+r.URL.Path+"] but did you mean /api/1/users/<user>/ ?")
}

func udMethodNotAllowed(w http.ResponseWriter) {
	udError(w, http.StatusMethodNotAllowed, "The method is not allowed for the requested URL.")
}
