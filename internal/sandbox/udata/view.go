package udata

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/sandbox"
)

func udScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// udAbs returns an absolute URL on the request's host.
func udAbs(r *http.Request, path string, q url.Values) string {
	u := url.URL{Scheme: udScheme(r), Host: r.Host, Path: path}
	if q != nil {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// udUser is a user as the API shows it.
type udUser struct {
	ID                        string         `json:"id"`
	Slug                      string         `json:"slug"`
	FirstName                 string         `json:"first_name"`
	LastName                  string         `json:"last_name"`
	Email                     *string        `json:"email"`
	Avatar                    *string        `json:"avatar"`
	AvatarThumbnail           *string        `json:"avatar_thumbnail"`
	Website                   *string        `json:"website"`
	About                     *string        `json:"about"`
	Roles                     []string       `json:"roles"`
	Active                    bool           `json:"active"`
	Organizations             []any          `json:"organizations"`
	Since                     string         `json:"since"`
	LastLoginAt               *string        `json:"last_login_at"`
	PasswordRotationDemanded  *string        `json:"password_rotation_demanded"`
	PasswordRotationPerformed *string        `json:"password_rotation_performed"`
	URI                       string         `json:"uri"`
	Page                      string         `json:"page"`
	Metrics                   map[string]int `json:"metrics"`
}

// udRef is the short user reference of follower items.
type udRef struct {
	ID              string  `json:"id"`
	Slug            string  `json:"slug"`
	FirstName       string  `json:"first_name"`
	LastName        string  `json:"last_name"`
	Avatar          *string `json:"avatar"`
	AvatarThumbnail *string `json:"avatar_thumbnail"`
	URI             string  `json:"uri"`
	Page            string  `json:"page"`
}

func udOpt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// udNames returns a record's first and last names (from Name when the
// record has none).
func udNames(rec *sandbox.Record) (string, string) {
	if rec.FirstName != "" || rec.LastName != "" {
		return rec.FirstName, rec.LastName
	}
	first, last, _ := strings.Cut(rec.Name, " ")
	return first, last
}

// udTime formats a time as udata's naive ISO form with microseconds.
func udTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000") }

// udTimeZ formats a time with its UTC offset, as newer udata fields do.
func udTimeZ(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000+00:00") }

func (h *udataHandler) view(r *http.Request, rec *sandbox.Record, c udCaller) udUser {
	first, last := udNames(rec)
	u := udUser{
		ID: rec.ID, Slug: rec.Username, FirstName: first, LastName: last,
		Avatar: udOpt(rec.Avatar), Website: udOpt(rec.Website), About: udOpt(rec.About),
		Roles: slices.Clone(rec.Roles), Active: rec.Status != "disabled", Organizations: []any{},
		Since: udTime(rec.CreatedAt),
		URI:   udAbs(r, udBasePath+"/users/"+rec.ID+"/", nil),
		Page:  udAbs(r, "/users/"+rec.Username+"/", nil),
		Metrics: map[string]int{"datasets": 0, "reuses": 0, "dataservices": 0, "following": 0,
			"followers": len(rec.Followers)},
	}
	if u.Roles == nil {
		u.Roles = []string{}
	}
	if rec.Avatar != "" {
		u.AvatarThumbnail = udOpt(rec.Avatar + "?size=100")
	}
	if c.admin || c.is(rec.ID) {
		u.Email = udOpt(rec.Email)
	}
	if rec.PasswordRotation {
		u.PasswordRotationDemanded = udOpt(udTimeZ(rec.UpdatedAt))
	}
	return u
}

func (h *udataHandler) refOf(r *http.Request, rec *sandbox.Record) udRef {
	first, last := udNames(rec)
	ref := udRef{ID: rec.ID, Slug: rec.Username, FirstName: first, LastName: last, Avatar: udOpt(rec.Avatar),
		URI: udAbs(r, udBasePath+"/users/"+rec.ID+"/", nil), Page: udAbs(r, "/users/"+rec.Username+"/", nil)}
	if rec.Avatar != "" {
		ref.AvatarThumbnail = udOpt(rec.Avatar + "?size=100")
	}
	return ref
}
