// Package sandbox is the core of userctl's built-in server: the in-memory
// store of users and its state file, the middleware every dialect shares
// (latency, rate limit, fault injection), the in-process transport, serving,
// the Router the dialects route with, and the registry of dialect servers.
//
// Each dialect's server is a subpackage (sandbox/rest, sandbox/udata, …)
// that registers itself from init with RegisterDialect; package
// internal/dialects imports them all, with the client dialects.
package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
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
	// ExternalID and DisplayName are SCIM's externalId and displayName.
	ExternalID  string `json:"external_id,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	About       string `json:"about,omitempty"`
	AccessRole  string `json:"access_role,omitempty"`
	Avatar      string `json:"avatar,omitempty"`
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
//
// Stored records are immutable: Update replaces a record's pointer, so a
// pointer handed to the change hook stays valid.
type Store struct {
	mu      sync.RWMutex
	order   []*Record // creation order; removed records are nil
	holes   []int     // sorted indexes of the nil entries of order
	byID    map[string]int
	byEmail map[string]int
	byName  map[string]int
	live    int
	seq     int64
	// gen counts changes, for persistence to tell a dirty store.
	gen uint64
	// hook, when set, is told about every change, under mu (see State).
	hook func(change)
}

// change is one mutation of a store, as the state journal records it:
// exactly one of put, del, seq or reset is set.
type change struct {
	put   *Record
	del   string
	seq   int64
	reset bool
}

// compactHoles is the number of removed records above which Remove
// compacts the creation order (when they are also a quarter of it).
const compactHoles = 1024

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{byID: map[string]int{}, byEmail: map[string]int{}, byName: map[string]int{}}
}

// Grow prepares an empty store for n records, so that seeding a million
// does not rehash its indexes over and over. It does nothing to a store
// that holds records.
func (s *Store) Grow(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) > 0 || n <= 0 {
		return
	}
	s.order = make([]*Record, 0, n)
	s.byID = make(map[string]int, n)
	s.byEmail = make(map[string]int, n)
	s.byName = make(map[string]int, n)
}

// NextSeq returns a new sequence number, unique in this store (for IDs).
func (s *Store) NextSeq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.changedLocked(change{seq: s.seq})
	return s.seq
}

// Generation returns a number that changes whenever the store does (for
// callers that save it when dirty).
func (s *Store) Generation() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.gen
}

func (s *Store) changedLocked(c change) {
	s.gen++
	if s.hook != nil {
		s.hook(c)
	}
}

func (s *Store) setHook(fn func(change)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = fn
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
	if r.Email != "" {
		if _, dup := s.byEmail[key(r.Email)]; dup {
			return Record{}, ErrConflict
		}
	}
	if r.Username != "" {
		if _, dup := s.byName[key(r.Username)]; dup {
			return Record{}, ErrConflict
		}
	}
	c := s.insertLocked(r)
	s.changedLocked(change{put: c})
	return c.Clone(), nil
}

func (s *Store) insertLocked(r Record) *Record {
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
	return &c
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

// FindByEmail returns the record with that email (case insensitive).
func (s *Store) FindByEmail(email string) (Record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i, ok := s.byEmail[key(email)]; ok && email != "" {
		return s.order[i].Clone(), true
	}
	return Record{}, false
}

// FindByUsername returns the record with that username (case insensitive).
func (s *Store) FindByUsername(username string) (Record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i, ok := s.byName[key(username)]; ok && username != "" {
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
	s.changedLocked(change{put: &c})
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
	s.removeAtLocked(i)
	s.changedLocked(change{del: id})
	return nil
}

// removeAtLocked drops the record at index i (already out of byID) and
// compacts the creation order when removed records pile up.
func (s *Store) removeAtLocked(i int) {
	s.order[i] = nil
	s.live--
	at, _ := slices.BinarySearch(s.holes, i)
	s.holes = slices.Insert(s.holes, at, i)
	if len(s.holes) > compactHoles && len(s.holes)*4 > len(s.order) {
		s.compactLocked()
	}
}

// compactLocked rebuilds the creation order without holes, and the indexes.
func (s *Store) compactLocked() {
	recs := make([]*Record, 0, s.live)
	for _, r := range s.order {
		if r != nil {
			recs = append(recs, r)
		}
	}
	s.order = recs
	s.holes = nil
	s.byID = make(map[string]int, len(recs))
	s.byEmail = make(map[string]int, len(recs))
	s.byName = make(map[string]int, len(recs))
	for i, r := range recs {
		s.byID[r.ID] = i
		if r.Email != "" {
			s.byEmail[key(r.Email)] = i
		}
		if r.Username != "" {
			s.byName[key(r.Username)] = i
		}
	}
}

// Len returns the number of records.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.live
}

// Page returns the records that match keep (nil keeps all) in creation
// order, skipping offset of them and returning at most limit (limit <= 0:
// all), with the total number that match. Without a filter it is
// O(limit + removed records) for any offset.
func (s *Store) Page(keep func(*Record) bool, offset, limit int) ([]Record, int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	offset = max(offset, 0)
	if keep == nil {
		total := s.live
		if offset >= total {
			return []Record{}, total
		}
		// The offset-th live record: each hole at or before it shifts it.
		pos := offset
		for _, h := range s.holes {
			if h > pos {
				break
			}
			pos++
		}
		n := total - offset
		if limit > 0 && limit < n {
			n = limit
		}
		out := make([]Record, 0, n)
		for _, r := range s.order[pos:] {
			if len(out) == n {
				break
			}
			if r != nil {
				out = append(out, r.Clone())
			}
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
	s.resetLocked(len(recs), seq)
	for _, r := range recs {
		s.insertLocked(r)
	}
	s.changedLocked(change{reset: true})
}

func (s *Store) resetLocked(n int, seq int64) {
	s.order = make([]*Record, 0, n)
	s.holes = nil
	s.byID = make(map[string]int, n)
	s.byEmail = make(map[string]int, n)
	s.byName = make(map[string]int, n)
	s.live = 0
	s.seq = seq
}

// applyLocked replays one journal change as it was recorded (timestamps
// kept, no uniqueness checks, no hook): a put replaces or appends the record
// of its ID.
func (s *Store) applyLocked(c change) {
	switch {
	case c.put != nil:
		r := c.put.Clone()
		i, ok := s.byID[r.ID]
		if !ok {
			s.insertLocked(r)
			break
		}
		old := s.order[i]
		if m, ok := s.byEmail[key(old.Email)]; ok && m == i {
			delete(s.byEmail, key(old.Email))
		}
		if m, ok := s.byName[key(old.Username)]; ok && m == i {
			delete(s.byName, key(old.Username))
		}
		if r.Email != "" {
			s.byEmail[key(r.Email)] = i
		}
		if r.Username != "" {
			s.byName[key(r.Username)] = i
		}
		s.order[i] = &r
	case c.del != "":
		i, ok := s.byID[c.del]
		if !ok {
			break
		}
		r := s.order[i]
		delete(s.byID, r.ID)
		if m, ok := s.byEmail[key(r.Email)]; ok && m == i {
			delete(s.byEmail, key(r.Email))
		}
		if m, ok := s.byName[key(r.Username)]; ok && m == i {
			delete(s.byName, key(r.Username))
		}
		s.removeAtLocked(i)
	case c.seq > s.seq:
		s.seq = c.seq
	}
	s.gen++
}
