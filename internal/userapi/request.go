package userapi

import (
	"errors"
	"net/http"
)

// ListOptions narrows and bounds a listing. Limit 0 means every user.
type ListOptions struct {
	Limit    int
	Query    string
	Sort     string
	Role     string
	PageSize int
	// PageConcurrency is how many pages may be fetched at once where the
	// API's paging allows it (page numbers or offsets with a known total);
	// 0 is paging.DefaultWindow, 1 fetches one page after another. Users
	// come in the same order either way.
	PageConcurrency int
}

// CreateRequest is a user to create. Dialects use the fields they know and
// report the required ones through Info.CreateRequired.
type CreateRequest struct {
	Username  string
	Email     string
	Name      string
	FirstName string
	LastName  string
	Roles     []string
	Admin     *bool
	Password  string
	Inactive  bool
	// Extra carries dialect-specific fields such as udata's website and about.
	Extra map[string]string
}

// UpdateRequest changes the fields that are non-nil.
type UpdateRequest struct {
	Email     *string
	Name      *string
	FirstName *string
	LastName  *string
	Roles     *[]string
	Status    *Status
	Admin     *bool
	Extra     map[string]string
}

// IsEmpty reports whether the request changes nothing.
func (r UpdateRequest) IsEmpty() bool {
	return r.Email == nil && r.Name == nil && r.FirstName == nil && r.LastName == nil && r.Roles == nil &&
		r.Status == nil && r.Admin == nil && len(r.Extra) == 0
}

// DeleteOptions are the flags of users delete.
type DeleteOptions struct {
	NoMail         bool
	DeleteComments bool
}

// PasswordChange is the input of users passwd.
type PasswordChange struct {
	Current string
	New     string
}

// Avatar is an image to upload. ContentType is detected from the bytes.
type Avatar struct {
	Data        []byte
	ContentType string
	Filename    string
	// BBox is "left,top,right,bottom" or empty.
	BBox string
}

// ImageType sniffs the content type of an avatar image: ok is true for a
// JPEG, PNG or WebP image, and contentType names what was detected either
// way.
func ImageType(data []byte) (contentType string, ok bool) {
	switch ct := http.DetectContentType(data); ct {
	case "image/jpeg", "image/png", "image/webp":
		return ct, true
	default:
		return ct, false
	}
}

// ErrAlreadyDeleted is wrapped by the not-found error (exit 3) of a delete
// that found its user already as deleted as the API allows: Datadog only
// disables users, and answers a second delete with "User is already
// disabled". `users delete --ignore-not-found` reports it as done (exit 0).
var ErrAlreadyDeleted = errors.New("user already deleted")

// Result is the outcome of a verb with no user in its answer (delete,
// follow, rotate password): a human message for stderr and the fields a
// script may read from -o json.
type Result struct {
	ID      string `json:"id"`
	Action  string `json:"action"`
	Message string `json:"message,omitempty"`
	// Count is a follower count where the verb returns one.
	Count *int `json:"count,omitempty"`
}
