// Package sandbox is userctl's built-in server: one in-memory store of
// users, optionally persisted to a state file, and one HTTP handler per API
// dialect that speaks exactly that dialect's wire format.
package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"
)

// Record is one stored account, a superset of what the dialects need. Each
// dialect's handler shows the fields its API has.
type Record struct {
	ID        string   `json:"id"`
	Username  string   `json:"username,omitempty"` // rest username, udata slug, Datadog handle, basic username
	Email     string   `json:"email,omitempty"`
	Name      string   `json:"name,omitempty"`
	FirstName string   `json:"first_name,omitempty"`
	LastName  string   `json:"last_name,omitempty"`
	Roles     []string `json:"roles,omitempty"`
	// Status is dialect-neutral: active, disabled, pending, deleted.
	Status       string `json:"status"`
	Admin        bool   `json:"admin,omitempty"`
	Verified     bool   `json:"verified,omitempty"`
	PasswordHash string `json:"password_hash,omitempty"`
	Website      string `json:"website,omitempty"`
	About        string `json:"about,omitempty"`
	AccessRole   string `json:"access_role,omitempty"`
	Avatar       string `json:"avatar,omitempty"`
	// Followers maps a follower's ID to when they started following.
	Followers        map[string]time.Time `json:"followers,omitempty"`
	PasswordRotation bool                 `json:"password_rotation,omitempty"`
	CreatedAt        time.Time            `json:"created_at"`
	UpdatedAt        time.Time            `json:"updated_at"`
}

// Clone returns a deep copy.
func (r *Record) Clone() Record {
	c := *r
	c.Roles = append([]string(nil), r.Roles...)
	if r.Followers != nil {
		c.Followers = make(map[string]time.Time, len(r.Followers))
		for k, v := range r.Followers {
			c.Followers[k] = v
		}
	}
	return c
}

// HashPassword returns the stored form of a password (the sandbox never
// keeps one in clear, even in its state file).
func HashPassword(p string) string {
	h := sha256.Sum256([]byte("userctl-sandbox:" + p))
	return hex.EncodeToString(h[:])
}

// Errors of store operations.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
)

// Store holds the users of one sandbox, in creation order. It is safe for
// concurrent use.
type Store struct {
	mu      sync.RWMutex
	order   []*Record // creation order; removed records are nil
	byID    map[string]int
	byEmail map[string]int
	byName  map[string]int
	live    int
	seq     int64
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{byID: map[string]int{}, byEmail: map[string]int{}, byName: map[string]int{}}
}

// NextSeq returns a new sequence number, unique in this store (for IDs).
func (s *Store) NextSeq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

func key(s string) string { return strings.ToLower(s) }

// Create adds r. It fails with ErrConflict when the ID, a non-empty email or a
// non-empty username is taken (by any record, deleted ones included).
func (s *Store) Create(r Record) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.byID[r.ID]; dup {
		return Record{}, ErrConflict
	}
	if _, dup := s.byEmail[key(r.Email)]; dup && r.Email != "" {
		return Record{}, ErrConflict
	}
	if _, dup := s.byName[key(r.Username)]; dup && r.Username != "" {
		return Record{}, ErrConflict
	}
	s.insertLocked(r)
	return r.Clone(), nil
}

func (s *Store) insertLocked(r Record) {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	c := r.Clone()
	i := len(s.order)
	s.order = append(s.order, &c)
	s.byID[c.ID] = i
	if c.Email != "" {
		s.byEmail[key(c.Email)] = i
	}
	if c.Username != "" {
		s.byName[key(c.Username)] = i
	}
	s.live++
}

// Get returns the record with that ID.
func (s *Store) Get(id string) (Record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i, ok := s.byID[id]; ok {
		return s.order[i].Clone(), true
	}
	return Record{}, false
}

// Find returns the record whose ID, username or email equals ref (case
// insensitive for username and email).
func (s *Store) Find(ref string) (Record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i, ok := s.byID[ref]; ok {
		return s.order[i].Clone(), true
	}
	if i, ok := s.byName[key(ref)]; ok {
		return s.order[i].Clone(), true
	}
	if i, ok := s.byEmail[key(ref)]; ok {
		return s.order[i].Clone(), true
	}
	return Record{}, false
}

// Update applies fn to the record with that ID under the store's lock and
// returns the result. fn may return an error to abort without change. A
// changed email or username must stay unique (ErrConflict).
func (s *Store) Update(id string, fn func(*Record) error) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.byID[id]
	if !ok {
		return Record{}, ErrNotFound
	}
	old := s.order[i]
	c := old.Clone()
	if err := fn(&c); err != nil {
		return Record{}, err
	}
	if key(c.Email) != key(old.Email) && c.Email != "" {
		if j, dup := s.byEmail[key(c.Email)]; dup && j != i {
			return Record{}, ErrConflict
		}
	}
	if key(c.Username) != key(old.Username) && c.Username != "" {
		if j, dup := s.byName[key(c.Username)]; dup && j != i {
			return Record{}, ErrConflict
		}
	}
	delete(s.byEmail, key(old.Email))
	delete(s.byName, key(old.Username))
	if c.Email != "" {
		s.byEmail[key(c.Email)] = i
	}
	if c.Username != "" {
		s.byName[key(c.Username)] = i
	}
	c.ID = old.ID
	c.UpdatedAt = time.Now().UTC()
	s.order[i] = &c
	return c.Clone(), nil
}

// Remove deletes the record with that ID for good.
func (s *Store) Remove(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.byID[id]
	if !ok {
		return ErrNotFound
	}
	r := s.order[i]
	delete(s.byID, r.ID)
	if m, ok := s.byEmail[key(r.Email)]; ok && m == i {
		delete(s.byEmail, key(r.Email))
	}
	if m, ok := s.byName[key(r.Username)]; ok && m == i {
		delete(s.byName, key(r.Username))
	}
	s.order[i] = nil
	s.live--
	return nil
}

// Len returns the number of records.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.live
}

// Page returns the records that match keep (nil keeps all) in creation
// order, skipping offset of them and returning at most limit (limit <= 0:
// all), with the total number that match. Without a filter it is O(limit)
// for any offset when nothing was removed.
func (s *Store) Page(keep func(*Record) bool, offset, limit int) ([]Record, int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if keep == nil && s.live == len(s.order) {
		total := len(s.order)
		if offset >= total {
			return []Record{}, total
		}
		end := total
		if limit > 0 && offset+limit < end {
			end = offset + limit
		}
		out := make([]Record, 0, end-offset)
		for _, r := range s.order[offset:end] {
			out = append(out, r.Clone())
		}
		return out, total
	}
	out := []Record{}
	total := 0
	for _, r := range s.order {
		if r == nil || (keep != nil && !keep(r)) {
			continue
		}
		if total >= offset && (limit <= 0 || len(out) < limit) {
			out = append(out, r.Clone())
		}
		total++
	}
	return out, total
}

// Sorted returns every matching record sorted by less (for APIs with sort
// keys); fine for sandbox sizes that are sorted at all.
func (s *Store) Sorted(keep func(*Record) bool, less func(a, b *Record) bool) []Record {
	all, _ := s.Page(keep, 0, 0)
	sort.SliceStable(all, func(i, j int) bool { return less(&all[i], &all[j]) })
	return all
}

// Snapshot returns every record in creation order (for persistence).
func (s *Store) Snapshot() ([]Record, int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Record, 0, s.live)
	for _, r := range s.order {
		if r != nil {
			out = append(out, r.Clone())
		}
	}
	return out, s.seq
}

// Restore replaces the content of the store.
func (s *Store) Restore(recs []Record, seq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.order = nil
	s.byID = make(map[string]int, len(recs))
	s.byEmail = make(map[string]int, len(recs))
	s.byName = make(map[string]int, len(recs))
	s.live = 0
	s.seq = seq
	for _, r := range recs {
		s.insertLocked(r)
	}
}
