package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The state file is JSON Lines: a header line, then one change per line:
//
//	{"userctl_sandbox":1,"api":"rest"}
//	{"seq":42}
//	{"put":{"id":"usr_000042","email":…}}
//	{"del":"usr_000007"}
//
// Replaying the lines in order rebuilds the store. Save writes a compact
// file (the header, the sequence and one put per user) to a temporary file
// renamed over the old one, mode 0600 in a 0700 directory. The request
// handler of Handler instead appends the changes of each request, so that a
// CLI invocation costs O(change), not O(users); it rewrites the file
// compactly when the appended lines outnumber the users.
//
// Locking: FILE.lock is flock(2)ed, shared while loading or serving a read
// (GET, HEAD, OPTIONS) and exclusive while serving any other request or
// saving. Under the lock each request first replays what other processes
// appended (or reloads a file they replaced), so concurrent invocations
// neither corrupt the file nor lose each other's writes. Within a process a
// mutex serializes the requests of one State.

// stateFormat is the header's format version.
const stateFormat = 1

type stateLine struct {
	Format int     `json:"userctl_sandbox,omitempty"`
	API    string  `json:"api,omitempty"`
	Seq    int64   `json:"seq,omitempty"`
	Put    *Record `json:"put,omitempty"`
	Del    string  `json:"del,omitempty"`
}

// State is a store persisted in a state file.
type State struct {
	path string
	api  string
	st   *Store

	mu       sync.Mutex // serializes file access in this process
	lockFile *os.File
	info     os.FileInfo // the file last read or written, nil when none
	offset   int64       // bytes of it applied to st
	lines    int         // change lines in it
	rewrite  bool        // the file must be rewritten (torn tail, other API)
	savedGen uint64

	pmu       sync.Mutex
	journal   bool // record changes in pending (Handler mode)
	pending   []change
	pendReset bool
}

// OpenState opens the state file at path, creating its directory (0700) if
// needed, and loads it into a new store when it exists. api names the
// dialect whose state it is, written in the header; a file of another
// dialect is an error.
func OpenState(path, api string) (*State, error) {
	if path == "" {
		return nil, errors.New("sandbox state: no file given")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sandbox state: %w", err)
	}
	lf, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sandbox state: %w", err)
	}
	s := &State{path: path, api: api, st: NewStore(), lockFile: lf}
	s.st.setHook(s.record)
	err = s.locked(false, func() error { return s.catchUp() })
	if err != nil {
		_ = lf.Close()
		return nil, err
	}
	s.savedGen = s.st.Generation()
	return s, nil
}

// Store returns the state's store.
func (s *State) Store() *Store { return s.st }

// Path returns the state file's path.
func (s *State) Path() string { return s.path }

// Dirty reports whether the store changed since it was loaded or saved.
func (s *State) Dirty() bool { return s.st.Generation() != s.savedGen }

// record is the store's change hook (called under the store's lock).
func (s *State) record(c change) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	if !s.journal {
		return
	}
	if c.reset {
		s.pending, s.pendReset = nil, true
		return
	}
	s.pending = append(s.pending, c)
}

// locked runs fn under the process mutex and the file lock.
func (s *State) locked(exclusive bool, fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := flock(s.lockFile, exclusive); err != nil {
		return fmt.Errorf("sandbox state: locking %s: %w", s.lockFile.Name(), err)
	}
	defer func() { _ = funlock(s.lockFile) }()
	return fn()
}

// catchUp brings the store up to date with the file: it replays the lines
// appended since the last read, or reloads a file that was replaced.
func (s *State) catchUp() error {
	fi, err := os.Stat(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if s.info != nil { // removed under us: start afresh
			s.reload(nil, 0)
			s.info, s.offset, s.lines = nil, 0, 0
		}
		return nil
	case err != nil:
		return fmt.Errorf("sandbox state: %w", err)
	}
	if s.info != nil && os.SameFile(fi, s.info) && fi.Size() == s.offset {
		return nil
	}
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	defer f.Close()
	// Stat the open file: the one read, even if renamed over meanwhile.
	if fi, err = f.Stat(); err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	from := s.offset
	if s.info == nil || !os.SameFile(fi, s.info) || fi.Size() < s.offset {
		from = 0
	}
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	changes, n, lines, err := s.parse(f, from == 0)
	if err != nil {
		return err
	}
	s.st.mu.Lock()
	if from == 0 {
		s.st.resetLocked(0, 0)
	}
	for _, c := range changes {
		s.st.applyLocked(c)
	}
	s.st.mu.Unlock()
	if from == 0 {
		s.lines = 0
	}
	s.info, s.offset, s.lines = fi, from+n, s.lines+lines
	return nil
}

func (s *State) reload(changes []change, seq int64) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.resetLocked(len(changes), seq)
	for _, c := range changes {
		s.st.applyLocked(c)
	}
}

// parse reads change lines; with header it expects the header first. It
// returns the bytes consumed: a torn last line (a crash mid-write) is left
// out and marks the file for a rewrite.
func (s *State) parse(r io.Reader, header bool) ([]change, int64, int, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var changes []change
	var n int64
	lines := 0
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			if len(bytes.TrimSpace(line)) > 0 || header {
				s.rewrite = true // a torn last line, or no header at all
			}
			return changes, n, lines, nil
		}
		if err != nil {
			return nil, 0, 0, fmt.Errorf("sandbox state %s: %w", s.path, err)
		}
		n += int64(len(line))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var l stateLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, 0, 0, fmt.Errorf("sandbox state %s: line %d: %v", s.path, lineNo, err)
		}
		if header {
			header = false
			if l.Format != stateFormat {
				return nil, 0, 0, fmt.Errorf("sandbox state %s: not a userctl sandbox state file (format %d)", s.path, l.Format)
			}
			if s.api != "" && l.API != "" && l.API != s.api {
				return nil, 0, 0, fmt.Errorf("sandbox state %s: holds the %s sandbox, not %s", s.path, l.API, s.api)
			}
			continue
		}
		lines++
		switch {
		case l.Put != nil:
			changes = append(changes, change{put: l.Put})
		case l.Del != "":
			changes = append(changes, change{del: l.Del})
		case l.Seq > 0:
			changes = append(changes, change{seq: l.Seq})
		}
	}
}

// Save writes the whole store to the file atomically, under the exclusive
// lock. It replaces whatever the file held (use Handler to share a file).
func (s *State) Save() error {
	return s.locked(true, func() error {
		s.pmu.Lock()
		s.pending, s.pendReset = nil, false
		s.pmu.Unlock()
		return s.writeSnapshot()
	})
}

// writeSnapshot writes the compact file; the caller holds the locks.
func (s *State) writeSnapshot() error {
	gen := s.st.Generation()
	recs, seq := s.st.Snapshot()
	f, err := os.CreateTemp(filepath.Dir(s.path), "."+filepath.Base(s.path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		_ = f.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("sandbox state: writing %s: %w", s.path, err)
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(stateLine{Format: stateFormat, API: s.api}); err != nil {
		return fail(err)
	}
	if seq > 0 {
		if err := enc.Encode(stateLine{Seq: seq}); err != nil {
			return fail(err)
		}
	}
	for i := range recs {
		if err := enc.Encode(stateLine{Put: &recs[i]}); err != nil {
			return fail(err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("sandbox state: writing %s: %w", s.path, err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("sandbox state: %w", err)
	}
	s.info, s.offset, s.lines, s.rewrite = fi, fi.Size(), len(recs)+1, false
	s.savedGen = gen
	return nil
}

// flush appends the pending changes of this process, or rewrites the file
// when it is missing, torn, or mostly superseded lines. The caller holds
// the exclusive lock.
func (s *State) flush() error {
	s.pmu.Lock()
	pending, reset := s.pending, s.pendReset
	s.pending, s.pendReset = nil, false
	s.pmu.Unlock()
	if len(pending) == 0 && !reset && s.info != nil && !s.rewrite {
		return nil
	}
	if reset || s.info == nil || s.rewrite || s.lines+len(pending) > 2*s.st.Len()+64 {
		return s.writeSnapshot()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, c := range pending {
		var l stateLine
		switch {
		case c.put != nil:
			l.Put = c.put
		case c.del != "":
			l.Del = c.del
		default:
			l.Seq = c.seq
		}
		if err := enc.Encode(l); err != nil {
			return fmt.Errorf("sandbox state: %w", err)
		}
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	_, werr := f.Write(buf.Bytes())
	fi, serr := f.Stat()
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = serr
	}
	if werr != nil {
		s.rewrite = true // a partial append: rewrite next time
		return fmt.Errorf("sandbox state: appending to %s: %w", s.path, werr)
	}
	s.info, s.offset, s.lines = fi, fi.Size(), s.lines+len(pending)
	s.savedGen = s.st.Generation()
	return nil
}

// SeedIfNew calls fn to fill the store and saves it, under the exclusive
// lock, when the state file does not exist yet (so that two processes
// starting together seed once).
func (s *State) SeedIfNew(fn func(*Store)) error {
	return s.locked(true, func() error {
		if err := s.catchUp(); err != nil {
			return err
		}
		if s.info != nil {
			return nil
		}
		fn(s.st)
		return s.writeSnapshot()
	})
}

// SaveEvery saves the store every interval while it is dirty, and once more
// when ctx ends (for `sandbox serve --state`). It returns the last save's
// error when ctx ends; a failed periodic save is retried at the next tick.
func (s *State) SaveEvery(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	var last error
	for {
		select {
		case <-ctx.Done():
			if s.Dirty() || last != nil {
				return s.Save()
			}
			return nil
		case <-t.C:
			if s.Dirty() {
				last = s.Save()
			}
		}
	}
}

// Handler wraps h (a handler over s.Store()) so that every request sees
// the file's latest content and its changes reach the file before the
// response completes, safely shared with other processes (see the locking
// notes above). The response body of a read is produced under the shared
// lock, so a client must read or close each body before it can expect
// another process's write to proceed.
func (s *State) Handler(h http.Handler) http.Handler {
	s.pmu.Lock()
	s.journal = true
	s.pmu.Unlock()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write := r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
		served := false
		err := s.locked(write, func() error {
			if err := s.catchUp(); err != nil {
				return err
			}
			served = true
			h.ServeHTTP(w, r)
			if !write {
				return nil
			}
			if err := s.flush(); err != nil {
				// The store holds the change: the next write (or Close)
				// rewrites the whole file.
				s.rewrite = true
				return err
			}
			return nil
		})
		if err != nil && !served {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			b, _ := json.Marshal(map[string]string{"error": err.Error()})
			_, _ = w.Write(append(b, '\n'))
		}
	})
}

// Close writes any change not yet in the file and releases the lock file.
func (s *State) Close() error {
	err := s.locked(true, func() error {
		s.pmu.Lock()
		journal, n := s.journal, len(s.pending)
		s.pmu.Unlock()
		if journal && (n > 0 || s.rewrite) {
			return s.flush()
		}
		return nil
	})
	if cerr := s.lockFile.Close(); err == nil {
		err = cerr
	}
	return err
}
