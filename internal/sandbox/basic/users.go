package basic

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/userctl/userctl/internal/sandbox"
)

func (h *basicHandler) list(w http.ResponseWriter, _ *http.Request) {
	users, _ := h.st.Page(isBasicUser, 0, 0)
	out := make([]basicUser, 0, len(users))
	for i := range users {
		out = append(out, basicWire(&users[i]))
	}
	basicJSON(w, http.StatusOK, map[string]any{"value": out})
}

func (h *basicHandler) get(w http.ResponseWriter, _ *http.Request, username string) {
	rec, ok := findBasic(h.st, username)
	if !ok {
		basicError(w, http.StatusNotFound, "User not found")
		return
	}
	basicJSON(w, http.StatusOK, basicWire(&rec))
}

func (h *basicHandler) delete(w http.ResponseWriter, _ *http.Request, username string) {
	rec, ok := findBasic(h.st, username)
	if !ok || h.st.Remove(rec.ID) != nil {
		basicError(w, http.StatusNotFound, "User not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// basicPasswordRequest is the body of PUT and PATCH.
type basicPasswordRequest struct {
	Value *struct {
		CurrentPassword string `json:"current_password"`
		Password        string `json:"password"`
	} `json:"value"`
}

// decodePasswordRequest reads the body and validates it like the real
// server: password required with min 8, current_password required when
// needCurrent. It writes the 400 and returns false on failure.
func decodePasswordRequest(w http.ResponseWriter, r *http.Request, needCurrent bool) (current, password string, ok bool) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		basicError(w, http.StatusBadRequest, "cannot read the request body")
		return "", "", false
	}
	var req basicPasswordRequest
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := json.Unmarshal(data, &req); err != nil {
			basicError(w, http.StatusBadRequest, err.Error())
			return "", "", false
		}
	}
	if req.Value != nil {
		current, password = req.Value.CurrentPassword, req.Value.Password
	}
	var errs []string
	switch {
	case password == "":
		errs = append(errs, validatorText("Password", "required"))
	case utf8.RuneCountInString(password) < basicMinPassword:
		errs = append(errs, validatorText("Password", "min"))
	}
	if needCurrent && current == "" {
		errs = append(errs, validatorText("CurrentPassword", "required"))
	}
	if len(errs) > 0 {
		basicError(w, http.StatusBadRequest, strings.Join(errs, "\n"))
		return "", "", false
	}
	return current, password, true
}

// validatorText is one error as go-playground/validator words it.
func validatorText(field, tag string) string {
	return fmt.Sprintf("Key: '%s.Value.%s' Error:Field validation for '%s' failed on the '%s' tag", basicRequestType, field, field, tag)
}

func (h *basicHandler) create(w http.ResponseWriter, r *http.Request, username string) {
	_, password, ok := decodePasswordRequest(w, r, false)
	if !ok {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, taken := h.st.Find(username); taken {
		basicError(w, http.StatusConflict, "Username already existed")
		return
	}
	now := time.Now().UTC()
	rec, err := h.st.Create(sandbox.Record{
		ID: username, Username: username, Status: "active", Admin: h.st.Len() == 0,
		PasswordHash: sandbox.HashPassword(password), CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		basicError(w, http.StatusConflict, "Username already existed")
		return
	}
	basicJSON(w, http.StatusCreated, map[string]any{"value": basicWire(&rec)})
}

func (h *basicHandler) changePassword(w http.ResponseWriter, r *http.Request, username string) {
	rec, found := findBasic(h.st, username)
	if !found {
		basicError(w, http.StatusNotFound, "User not found")
		return
	}
	current, password, ok := decodePasswordRequest(w, r, true)
	if !ok {
		return
	}
	errMismatch := errors.New("current password does not match")
	updated, err := h.st.Update(rec.ID, func(rc *sandbox.Record) error {
		if subtle.ConstantTimeCompare([]byte(rc.PasswordHash), []byte(sandbox.HashPassword(current))) != 1 {
			return errMismatch
		}
		rc.PasswordHash = sandbox.HashPassword(password)
		return nil
	})
	switch {
	case err == errMismatch:
		basicError(w, http.StatusForbidden, "Current password does not match")
	case err != nil:
		basicError(w, http.StatusNotFound, "User not found")
	default:
		basicJSON(w, http.StatusOK, map[string]any{"value": basicWire(&updated)})
	}
}
