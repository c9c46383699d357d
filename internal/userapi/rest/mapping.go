package rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// Update methods (the update_method key): how a change is written.
const (
	// UpdateMerge reads the user, applies the change and PUTs the whole
	// object back, so that a server whose PUT replaces the record loses
	// nothing.
	UpdateMerge = "merge"
	// UpdatePatch sends PATCH with the changed keys.
	UpdatePatch = "patch"
	// UpdatePut sends PUT with the changed keys only (servers known to
	// merge).
	UpdatePut = "put"
)

// NormalFields are the normalized fields a profile may map with
// fields.NAME.
var NormalFields = []string{"username", "email", "name", "first_name", "last_name", "roles", "status",
	"created_at", "updated_at", "password"}

// Key describes one mapping key of a rest profile.
type Key struct {
	Name, Default, Help string
}

// Keys lists the profile keys that map an API (besides the credentials),
// with fields.NAME for each of NormalFields; docs/dialects.md explains
// them.
var Keys = func() []Key {
	keys := []Key{
		{"list_path", "/users", "path of the users collection"},
		{"create_path", "/users", "path create POSTs to (default: list_path)"},
		{"user_path", "/users/{id}", "path of one user; {id} is the escaped ID (default: list_path/{id})"},
		{"password_path", "", "an endpoint of its own that passwd sends the password alone to (default: none, passwd writes user_path)"},
		{"update_method", UpdateMerge, "how changes are written: merge (GET, change, PUT the whole object), patch or put"},
		{"items_key", "", "dotted path of the users in a list answer (default: found)"},
		{"pagination", PageAuto, "paging style: auto, none, page, offset, cursor, link"},
		{"page_param", "page", "query name of the page number"},
		{"size_param", "per_page", "query name of the page size"},
		{"offset_param", "offset", "query name of the offset (pagination: offset)"},
		{"limit_param", "limit", "query name of the limit (pagination: offset, cursor)"},
		{"page_size", "100", "users asked per page"},
		{"total", "", "where the number of users is: a dotted body path or header:NAME (default: found)"},
		{"id_field", "id", "dotted path of the user's ID"},
		{"status_values", "active=active,disabled=disabled", "the status field's values, e.g. active=true,disabled=false"},
		{"time_format", time.RFC3339, "Go layout of created_at and updated_at (RFC 3339, its near misses and Unix times are read anyway)"},
		{"auth", "bearer", "how the token is sent: bearer, basic, header:NAME or none"},
		{"disable", "", "PUT or PATCH: disable/enable send the status alone with that method"},
	}
	for _, f := range NormalFields {
		keys = append(keys, Key{"fields." + f, f, "where " + f + " is in the API's user object (dotted; a,b: both written, a read)"})
	}
	return keys
}()

// CheckKey validates one value of a mapping key the way New would; its
// error is the message alone.
func CheckKey(key, value string) error {
	_, err := parseMapping("", func(k string) string {
		if k == key {
			return value
		}
		return ""
	})
	var e *errkind.Error
	if errors.As(err, &e) {
		return errors.New(strings.TrimPrefix(e.Message, `profile "": `))
	}
	return err
}

// mapping is how the profile maps the API: paths, paging, field locations
// and value formats. The zero-configuration mapping is the document's.
type mapping struct {
	listPath, createPath, userPath, passwordPath string
	// passwordPathSet: password_path names an endpoint of its own.
	passwordPathSet bool
	updateMethod    string
	itemsKey        []string // dotted path; nil: auto
	pagination      string
	pageParam       string
	sizeParam       string
	offsetParam     string
	limitParam      string
	pageSize        int
	// total is "" (auto), "header:NAME" or a dotted body path.
	total   string
	idField string
	// fields maps a normalized name to the API's paths (first read, all
	// written); a name absent here is at its own name.
	fields map[string][][]string
	// statusRead maps the API's status values (as text) to the normalized
	// ones; statusWrite the other way.
	statusRead  map[string]userapi.Status
	statusWrite map[userapi.Status]string
	timeFormat  string
	// statusMapped: fields.status or status_values is set, so creates
	// write the status too.
	statusMapped bool
	// disableVerb, when set, sends disable/enable with that method and the
	// status alone (the older disable key).
	disableVerb string
	// plain is true when the mapping is the document's, so the fast
	// decoders (wire struct, scanner) apply.
	plain bool
}

// parseMapping reads the profile keys with get (which returns "" for an
// unset key); the errors name the profile and the key.
func parseMapping(name string, get func(string) string) (*mapping, error) {
	bad := func(format string, args ...any) error {
		return errkind.Errorf(errkind.Usage, "profile %q: "+format, append([]any{name}, args...)...)
	}
	m := &mapping{
		listPath: "/users", pagination: PageAuto, pageSize: 100, idField: "id", updateMethod: UpdateMerge,
		pageParam: "page", sizeParam: "per_page", offsetParam: "offset", limitParam: "limit",
		fields: map[string][][]string{}, plain: true,
	}
	path := func(key string) (string, error) {
		v := strings.TrimSpace(get(key))
		if v == "" {
			return "", nil
		}
		if strings.Contains(v, "://") || strings.ContainsAny(v, "?#") {
			return "", bad("%s %q: want a path under the profile's url, like /users", key, v)
		}
		m.plain = false
		return "/" + strings.Trim(v, "/"), nil
	}
	if v, err := path("list_path"); err != nil {
		return nil, err
	} else if v != "" {
		m.listPath = v
	}
	m.createPath, m.userPath = m.listPath, m.listPath+"/{id}"
	if v, err := path("create_path"); err != nil {
		return nil, err
	} else if v != "" {
		m.createPath = v
	}
	if v, err := path("user_path"); err != nil {
		return nil, err
	} else if v != "" {
		if !strings.Contains(v, "{id}") {
			return nil, bad("user_path %q has no {id}", v)
		}
		m.userPath = v
	}
	m.passwordPath = m.userPath
	if v, err := path("password_path"); err != nil {
		return nil, err
	} else if v != "" {
		m.passwordPath, m.passwordPathSet = v, true
	}
	if v := strings.ToLower(get("update_method")); v != "" {
		switch v {
		case UpdateMerge, UpdatePatch, UpdatePut:
			m.updateMethod = v
		default:
			return nil, bad("update_method %q is not one of merge, patch, put", v)
		}
		m.plain = m.plain && v == UpdateMerge
	}
	if v := strings.Trim(get("items_key"), ". "); v != "" {
		m.itemsKey = strings.Split(v, ".")
		m.plain = m.plain && len(m.itemsKey) == 1
	}
	if v := get("pagination"); v != "" {
		switch v {
		case PageAuto, PageNone, PagePage, PageOffset, PageCursor, PageLink:
			m.pagination = v
		default:
			return nil, bad("pagination %q is not one of auto, none, page, offset, cursor, link", v)
		}
	}
	for _, p := range []struct {
		key string
		dst *string
	}{{"page_param", &m.pageParam}, {"size_param", &m.sizeParam}, {"offset_param", &m.offsetParam}, {"limit_param", &m.limitParam}} {
		if v := strings.TrimSpace(get(p.key)); v != "" {
			*p.dst = v
		}
	}
	if v := get("page_size"); v != "" {
		n, err := userapi.PageSize(v)
		if err != nil {
			return nil, bad("%v", err)
		}
		m.pageSize = n
	}
	if v := strings.TrimSpace(get("total")); v != "" {
		if h, ok := strings.CutPrefix(v, "header:"); ok && strings.TrimSpace(h) == "" {
			return nil, bad("total %q names no header", v)
		}
		m.total = v
	}
	if v := strings.TrimSpace(get("id_field")); v != "" {
		m.idField = v
		m.plain = m.plain && v == "id"
	}
	for _, f := range NormalFields {
		v := get("fields." + f)
		if strings.TrimSpace(v) == "" {
			continue
		}
		var paths [][]string
		for p := range strings.SplitSeq(v, ",") {
			segs := strings.Split(strings.TrimSpace(p), ".")
			if slices.Contains(segs, "") {
				return nil, bad("fields.%s %q has an empty path", f, v)
			}
			paths = append(paths, segs)
		}
		m.fields[f] = paths
		m.plain = m.plain && len(paths) == 1 && len(paths[0]) == 1 && paths[0][0] == f
	}
	_, m.statusMapped = m.fields["status"]
	m.statusMapped = m.statusMapped || strings.TrimSpace(get("status_values")) != ""
	m.statusRead = map[string]userapi.Status{"active": userapi.StatusActive, "disabled": userapi.StatusDisabled}
	m.statusWrite = map[userapi.Status]string{userapi.StatusActive: "active", userapi.StatusDisabled: "disabled"}
	if v := strings.TrimSpace(get("status_values")); v != "" {
		m.statusRead, m.statusWrite = map[string]userapi.Status{}, map[userapi.Status]string{}
		for pair := range strings.SplitSeq(v, ",") {
			k, raw, ok := strings.Cut(pair, "=")
			k, raw = strings.TrimSpace(k), strings.TrimSpace(raw)
			st := userapi.Status(k)
			if !ok || raw == "" || (st != userapi.StatusActive && st != userapi.StatusDisabled &&
				st != userapi.StatusPending && st != userapi.StatusDeleted) {
				return nil, bad("status_values %q: want STATUS=VALUE pairs such as active=true,disabled=false (STATUS: active, disabled, pending, deleted)", v)
			}
			if _, dup := m.statusWrite[st]; !dup {
				m.statusWrite[st] = raw
			}
			m.statusRead[strings.ToLower(raw)] = st
		}
		for _, st := range []userapi.Status{userapi.StatusActive, userapi.StatusDisabled} {
			if _, ok := m.statusWrite[st]; !ok {
				return nil, bad("status_values %q: no value for %s", v, st)
			}
		}
		m.plain = false
	}
	if v := get("time_format"); v != "" {
		probe := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
		if t, err := time.Parse(v, probe.Format(v)); err != nil || t.Year() != 2024 {
			return nil, bad("time_format %q is not a Go time layout (e.g. 2006-01-02 15:04:05.000Z)", v)
		}
		m.timeFormat = v
		m.plain = false
	}
	if v := get("auth"); v != "" && v != "bearer" && v != "basic" && v != "none" {
		_, ok, err := userapi.HeaderAuth(v)
		if err != nil {
			return nil, bad("auth %q: %v", v, err)
		}
		if !ok {
			return nil, bad("auth %q is not bearer, basic, header:NAME or none", v)
		}
	}
	if v := strings.ToUpper(get("disable")); v != "" {
		if v != http.MethodPut && v != http.MethodPatch {
			return nil, bad("disable %q is not PUT or PATCH", get("disable"))
		}
		m.disableVerb = v
	}
	return m, nil
}

// paths returns where a normalized field is in the API's object.
func (m *mapping) paths(name string) [][]string {
	if p, ok := m.fields[name]; ok {
		return p
	}
	return [][]string{{name}}
}

// lookup reads a dotted path in a decoded JSON value; a number segment
// indexes a list (emails.0.value).
func lookup(v any, path []string) (any, bool) {
	for _, seg := range path {
		switch t := v.(type) {
		case map[string]any:
			x, ok := t[seg]
			if !ok {
				return nil, false
			}
			v = x
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			v = t[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// assign writes value at a dotted path of obj, creating the objects and
// lists on the way; it returns the new root.
func assign(root any, path []string, value any) any {
	if len(path) == 0 {
		return value
	}
	seg := path[0]
	if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < 1000 {
		list, _ := root.([]any)
		for len(list) <= i {
			list = append(list, nil)
		}
		list[i] = assign(list[i], path[1:], value)
		return list
	}
	obj, ok := root.(map[string]any)
	if !ok {
		obj = map[string]any{}
	}
	obj[seg] = assign(obj[seg], path[1:], value)
	return obj
}

// read returns the value of a normalized field: the first path present.
func (m *mapping) read(obj map[string]any, name string) (any, bool) {
	for _, p := range m.paths(name) {
		if v, ok := lookup(obj, p); ok {
			return v, true
		}
	}
	return nil, false
}

// write sets a normalized field at every path of it.
func (m *mapping) write(obj map[string]any, name string, value any) {
	for _, p := range m.paths(name) {
		assign(obj, p, value)
	}
}

// text is a scalar as text ("" for null, objects and lists).
func text(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

// statusOf reads the status field's value.
func (m *mapping) statusOf(v any) (userapi.Status, string) {
	s := text(v)
	if st, ok := m.statusRead[strings.ToLower(s)]; ok {
		return st, s
	}
	return normalStatus(s), s
}

// statusValue is the value the API wants for a status: true/false and
// numbers as JSON booleans and numbers, else the text.
func (m *mapping) statusValue(st userapi.Status) any {
	raw, ok := m.statusWrite[st]
	if !ok {
		raw = string(st)
	}
	switch raw {
	case "true":
		return true
	case "false":
		return false
	}
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
		return n
	}
	return raw
}

// parseTime reads a time with the profile's layout first.
func (m *mapping) parseTime(s string) *time.Time {
	if m.timeFormat != "" && s != "" {
		if t, err := time.Parse(m.timeFormat, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return parseTime(s)
}

// expand fills {id} of a path template with the escaped ID.
func expand(tmpl, id string) (string, error) {
	esc, err := userapi.EscapeID(id)
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(tmpl, "{id}", esc), nil
}
