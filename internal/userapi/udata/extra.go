package udata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/httpx"
	"github.com/userctl/userctl/internal/userapi"
)

// resolveID returns the id of a user given by id or slug: a slug is looked
// up with GET /users/{slug}/ (the followers endpoints need the id).
func (c *Client) resolveID(ctx context.Context, ref string) (string, error) {
	if err := userapi.ValidateID(ref); err != nil {
		return "", err
	}
	if isID(ref) {
		return ref, nil
	}
	u, err := c.GetUser(ctx, ref)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

type followCount struct {
	Followers *int `json:"followers"`
}

func decodeCount(body []byte) (*int, error) {
	var fc followCount
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		return nil, unreadable("follow", err)
	}
	return fc.Followers, nil
}

func countText(n *int) string {
	if n == nil {
		return ""
	}
	if *n == 1 {
		return " (1 follower)"
	}
	return fmt.Sprintf(" (%d followers)", *n)
}

// Follow sends POST /users/{id}/followers/ as the key's owner: 201 when
// newly following, 200 when already following; both carry the follower
// count. Following yourself is a 403 from the API.
func (c *Client) Follow(ctx context.Context, id string) (userapi.Result, error) {
	uid, err := c.resolveID(ctx, id)
	if err != nil {
		return userapi.Result{}, err
	}
	path, err := userPath(uid, "followers/")
	if err != nil {
		return userapi.Result{}, err
	}
	// Following twice changes nothing: a retry is safe.
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodPost, Path: path, Retry: retry(true)})
	if err != nil {
		return userapi.Result{}, subject(err, id)
	}
	n, err := decodeCount(resp.Body)
	if err != nil {
		return userapi.Result{}, err
	}
	if resp.Status == http.StatusCreated {
		return userapi.Result{ID: uid, Action: "followed", Count: n, Message: fmt.Sprintf("now following user %q%s", id, countText(n))}, nil
	}
	return userapi.Result{ID: uid, Action: "already following", Count: n, Message: fmt.Sprintf("already following user %q%s", id, countText(n))}, nil
}

// Unfollow sends DELETE /users/{id}/followers/ (200 with the follower
// count). The API's 404 means "not following" when the user exists: the
// client checks and says which.
func (c *Client) Unfollow(ctx context.Context, id string) (userapi.Result, error) {
	uid, err := c.resolveID(ctx, id)
	if err != nil {
		return userapi.Result{}, err
	}
	path, err := userPath(uid, "followers/")
	if err != nil {
		return userapi.Result{}, err
	}
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodDelete, Path: path})
	if err != nil {
		var e *errkind.Error
		if !errors.As(err, &e) || e.Status != http.StatusNotFound {
			return userapi.Result{}, subject(err, id)
		}
		if _, gerr := c.GetUser(ctx, uid); gerr != nil {
			if errkind.Is(gerr, errkind.NotFound) {
				return userapi.Result{}, subject(err, id)
			}
			return userapi.Result{}, gerr
		}
		return userapi.Result{}, &errkind.Error{Kind: errkind.NotFound, Status: e.Status, Body: e.Body, Err: e,
			Message: fmt.Sprintf("not following user %q: nothing to unfollow", id)}
	}
	n, err := decodeCount(resp.Body)
	if err != nil {
		return userapi.Result{}, err
	}
	return userapi.Result{ID: uid, Action: "unfollowed", Count: n, Message: fmt.Sprintf("unfollowed user %q%s", id, countText(n))}, nil
}

// Followers streams GET /users/{id}/followers/, following next_page, at
// most limit of them (0: all).
func (c *Client) Followers(ctx context.Context, id string, limit int) iter.Seq2[userapi.Follower, error] {
	return func(yield func(userapi.Follower, error) bool) {
		uid, err := c.resolveID(ctx, id)
		if err != nil {
			yield(userapi.Follower{}, err)
			return
		}
		path, err := userPath(uid, "followers/")
		if err != nil {
			yield(userapi.Follower{}, err)
			return
		}
		size := DefaultPageSize
		if limit > 0 && limit < size {
			size = limit
		}
		q := url.Values{"page": {"1"}, "page_size": {strconv.Itoa(size)}}
		seq := stream(ctx, c, "followers", path, q, limit, false, pager[wireFollower]{window: 1}, func(w wireFollower) (userapi.Follower, bool) {
			f := userapi.Follower{ID: w.Follower.ID, Name: fullName(w.Follower.FirstName, w.Follower.LastName)}
			if f.Name == "" {
				f.Name = w.Follower.Slug
			}
			if t, ok := parseTime(w.Since); ok {
				t = t.Truncate(time.Second) // like the user's times: RFC 3339 in seconds
				f.Since = &t
			}
			return f, true
		})
		for f, err := range seq {
			if err != nil {
				yield(f, subject(err, id))
				return
			}
			if !yield(f, nil) {
				return
			}
		}
	}
}

// Avatar image types the API accepts, by their magic bytes.
var imageTypes = []struct {
	ct    string
	ext   string
	match func([]byte) bool
}{
	{"image/jpeg", ".jpg", func(b []byte) bool { return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) }},
	{"image/png", ".png", func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }},
	{"image/webp", ".webp", func(b []byte) bool {
		return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP"
	}},
}

// DetectImage returns the content type of a JPEG, PNG or WebP image from
// its bytes, and false for anything else.
func DetectImage(data []byte) (string, bool) {
	for _, t := range imageTypes {
		if t.match(data) {
			return t.ct, true
		}
	}
	return "", false
}

// checkBBox validates "left,top,right,bottom": four integers.
func checkBBox(s string) (string, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return "", errkind.Errorf(errkind.Usage, "invalid --bbox %q: want LEFT,TOP,RIGHT,BOTTOM (4 integers)", s)
	}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if _, err := strconv.Atoi(p); err != nil {
			return "", errkind.Errorf(errkind.Usage, "invalid --bbox %q: %q is not an integer; want LEFT,TOP,RIGHT,BOTTOM", s, p)
		}
		parts[i] = p
	}
	return strings.Join(parts, ","), nil
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "")

// avatarBody builds the multipart body: the part "file" with the image's
// real content type (mime/multipart's CreateFormFile would say
// application/octet-stream, which udata refuses), and the optional bbox.
func avatarBody(a userapi.Avatar) ([]byte, string, error) {
	ct, ok := DetectImage(a.Data)
	if !ok {
		return nil, "", errkind.Errorf(errkind.Usage, "unsupported avatar image %q: udata accepts JPEG, PNG or WebP (detected %s)",
			a.Filename, http.DetectContentType(a.Data))
	}
	bbox := strings.TrimSpace(a.BBox)
	if bbox != "" {
		var err error
		if bbox, err = checkBBox(bbox); err != nil {
			return nil, "", err
		}
	}
	name := strings.TrimSpace(a.Filename)
	if name == "" {
		for _, t := range imageTypes {
			if t.ct == ct {
				name = "avatar" + t.ext
			}
		}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, quoteEscaper.Replace(name)))
	h.Set("Content-Type", ct)
	part, err := mw.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(a.Data); err != nil {
		return nil, "", err
	}
	if bbox != "" {
		if err := mw.WriteField("bbox", bbox); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// UploadAvatar sends POST /users/{id or slug}/avatar/ as multipart form
// data. Anything but a JPEG, PNG or WebP image, or a bbox that is not four
// integers, is refused before sending.
func (c *Client) UploadAvatar(ctx context.Context, id string, a userapi.Avatar) (userapi.Result, error) {
	path, err := userPath(id, "avatar/")
	if err != nil {
		return userapi.Result{}, err
	}
	body, ct, err := avatarBody(a)
	if err != nil {
		return userapi.Result{}, err
	}
	// The same image sent twice is the same avatar: a retry is safe.
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodPost, Path: path, Body: body, ContentType: ct, Retry: retry(true)})
	if err != nil {
		return userapi.Result{}, subject(err, id)
	}
	var r struct {
		Success *bool  `json:"success"`
		Image   string `json:"image"`
	}
	if err := json.Unmarshal(resp.Body, &r); err != nil {
		return userapi.Result{}, unreadable("avatar", err)
	}
	if r.Success != nil && !*r.Success {
		return userapi.Result{}, errkind.Errorf(errkind.Unknown, "avatar upload for user %q: the server answered success false", id)
	}
	msg := fmt.Sprintf("avatar of user %q uploaded", id)
	if r.Image != "" {
		msg += ": " + c.http.Scrub(r.Image)
	}
	return userapi.Result{ID: id, Action: "avatar uploaded", Message: msg}, nil
}

// ListRoles fetches GET /users/roles/.
func (c *Client) ListRoles(ctx context.Context) ([]userapi.Role, error) {
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodGet, Path: "users/roles/"})
	if err != nil {
		return nil, err
	}
	var roles []userapi.Role
	if err := json.Unmarshal(resp.Body, &roles); err != nil {
		return nil, unreadable("roles", err)
	}
	if roles == nil {
		roles = []userapi.Role{}
	}
	return roles, nil
}

// MaxSuggest is the largest size GET /users/suggest/ accepts.
const MaxSuggest = 20

// SuggestUsers fetches GET /users/suggest/?q=&size= (size 1..20; 0 means
// the API's default of 10). The API masks emails for non-admins.
func (c *Client) SuggestUsers(ctx context.Context, query string, limit int) ([]userapi.Suggestion, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, errkind.Errorf(errkind.Usage, "a suggestion query is required")
	}
	if limit == 0 {
		limit = 10
	}
	if limit < 1 || limit > MaxSuggest {
		return nil, errkind.Errorf(errkind.Usage, "invalid suggestion limit %d: udata wants 1 to %d", limit, MaxSuggest)
	}
	q := url.Values{"q": {query}, "size": {strconv.Itoa(limit)}}
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodGet, Path: "users/suggest/", Query: q})
	if err != nil {
		return nil, err
	}
	var ws []wireSuggestion
	if err := json.Unmarshal(resp.Body, &ws); err != nil {
		return nil, unreadable("suggest", err)
	}
	out := make([]userapi.Suggestion, 0, len(ws))
	for _, w := range ws {
		out = append(out, userapi.Suggestion{ID: w.ID, Slug: w.Slug, Name: fullName(w.FirstName, w.LastName), Email: w.Email})
	}
	return out, nil
}

// PasswordPolicy says that udata takes no password: passwd forces a
// rotation.
func (c *Client) PasswordPolicy() userapi.PasswordPolicy {
	return userapi.PasswordPolicy{NeedsNew: false, Note: PasswordNote}
}

// SetPassword sends POST /users/{id or slug}/rotate_password/ (204): the
// user must set a new password at next login. A new password cannot be
// given: udata has no endpoint to set one.
func (c *Client) SetPassword(ctx context.Context, id string, change userapi.PasswordChange) (userapi.Result, error) {
	path, err := userPath(id, "rotate_password/")
	if err != nil {
		return userapi.Result{}, err
	}
	if change.New != "" || change.Current != "" {
		return userapi.Result{}, errkind.Errorf(errkind.Usage, "udata cannot set a password: passwd only forces a password rotation")
	}
	// Demanding a rotation twice is the same demand: a retry is safe.
	_, err = c.http.Do(ctx, httpx.Request{Method: http.MethodPost, Path: path, Retry: retry(true)})
	if err != nil {
		return userapi.Result{}, subject(err, id)
	}
	return userapi.Result{ID: id, Action: "password rotation forced",
		Message: fmt.Sprintf("user %q must set a new password at next login", id)}, nil
}

// Self fetches GET /me/: the account the API key belongs to.
func (c *Client) Self(ctx context.Context) (userapi.User, error) {
	resp, err := c.http.Do(ctx, httpx.Request{Method: http.MethodGet, Path: "me/"})
	if err != nil {
		return userapi.User{}, err
	}
	u, _, err := decodeUser(resp.Body)
	return u, err
}

// Check fetches GET /me/ and describes the key's owner: "name <email>
// (roles)".
func (c *Client) Check(ctx context.Context) (string, error) {
	u, err := c.Self(ctx)
	if err != nil {
		return "", err
	}
	who := u.Name
	if who == "" {
		who = u.Username
	}
	if u.Email != "" {
		who += " <" + u.Email + ">"
	}
	roles := "no roles"
	if len(u.Roles) > 0 {
		roles = strings.Join(u.Roles, ", ")
	}
	return fmt.Sprintf("%s (%s)", who, roles), nil
}

// Raw sends an authenticated request for `userctl api`. A path is relative
// to the API root (/api/1); an absolute URL must point at the profile's
// host: the key never goes elsewhere.
func (c *Client) Raw(ctx context.Context, method, path string, body []byte, header http.Header) (*http.Response, error) {
	if lower := strings.ToLower(path); strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		u, err := url.Parse(path)
		base := c.http.BaseURL()
		if err != nil || base == nil || !strings.EqualFold(u.Host, base.Host) || u.Scheme != base.Scheme {
			return nil, errkind.Errorf(errkind.Usage, "refusing to send the udata API key to %q: use a path of %s", path, c.base)
		}
	}
	return c.http.Raw(ctx, strings.ToUpper(method), path, body, header)
}
