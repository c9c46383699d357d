package bulk

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/termsafe"
	"github.com/userctl/userctl/internal/userapi"
)

// Import creates the users of items with a pool of workers, writing one
// report line per item. It returns the summary and an error of kind
// errkind.Partial when any item failed, errkind.Interrupted when ctx was cancelled,
// or the error that made the input unreadable. The backend is built by the
// caller (with the shared limiter in its userapi.Env).
func Import(ctx context.Context, b userapi.Backend, items iter.Seq2[Item, error], opts Options) (Summary, error) {
	e := &engine{b: b, opts: opts.withDefaults(b), info: b.Info()}
	if e.opts.Verb == "bulk" {
		e.opts.Verb = "import"
	}
	tgt := newTarget(b, opts.GeneratePasswords, opts.RoleMap)
	if !e.opts.DryRun || e.opts.SkipExisting {
		// The users there before the run, taken before anything is sent:
		// the evidence that keeps a user found after an uncertain create
		// from being counted as created by this run when it was not, and
		// what --skip-existing skips before validating anything.
		// When they cannot be listed (a key that may create but not list,
		// a server refusing every request), the run goes on and says so:
		// every line still ends in the report, and only a user that an
		// uncertain create finds is then taken as this run's. With
		// --skip-existing the list is required.
		before, err := existingUsers(ctx, b)
		switch {
		case ctx.Err() != nil:
			return Summary{}, ctx.Err()
		case err != nil && e.opts.SkipExisting:
			// Skipping by a 409 alone would create duplicates on an API that
			// allows them: without the list, nothing is sent.
			return Summary{}, fmt.Errorf("--skip-existing needs the list of the users already there: %w", err)
		case err != nil:
			if e.opts.Stderr != nil {
				fmt.Fprintf(e.opts.Stderr, "warning: %s; going on without it (a user found after an uncertain create cannot be told from one there before)\n",
					termsafe.String(err.Error()))
			}
		default:
			e.before = before
		}
	}
	tasks := func(yield func(PlanItem, error) bool) {
		for it, err := range items {
			if err != nil {
				yield(PlanItem{}, err)
				return
			}
			tgt.adapt(ctx, &it)
			if !yield(PlanItem{Action: ActionCreate, Line: it.Line, Key: it.Key(), Item: &it, Err: it.Err}, nil) {
				return
			}
		}
	}
	direct := func(t *PlanItem) (Entry, bool) {
		if t.Err == nil && e.opts.SkipExisting {
			req := t.Item.CreateRequest()
			if e.before.has(&userapi.User{Username: req.Username, Email: req.Email}) {
				ent := entryFor(t, Skipped, nil)
				ent.Note = "already exists"
				return ent, true
			}
		}
		if t.Err == nil {
			t.Err = validateCreate(e.info, t.Item)
		}
		switch {
		case t.Err != nil:
			return entryFor(t, Failed, t.Err), true
		case e.opts.DryRun:
			ent := entryFor(t, WouldCreate, nil)
			ent.Note = "dry run: nothing was sent"
			return ent, true
		case e.opts.SkipExisting && e.before.hasKey(t.Item):
			// Found in the one listing taken before the run: servers
			// that allow duplicate emails never answer 409.
			ent := entryFor(t, Skipped, nil)
			ent.Note = "already exists"
			return ent, true
		}
		return Entry{}, false
	}
	sum, err := e.run(ctx, tasks, direct, func(ctx, stop context.Context, t *PlanItem) Entry { return e.create(ctx, stop, t) })
	if note := tgt.note(); note != "" && e.opts.Stderr != nil {
		fmt.Fprintf(e.opts.Stderr, "Note: %s.\n", note)
	}
	return sum, err
}

// createFields maps Info.CreateRequired names to create request values.
var createFields = map[string]func(*userapi.CreateRequest) string{
	"username":   func(r *userapi.CreateRequest) string { return r.Username },
	"email":      func(r *userapi.CreateRequest) string { return r.Email },
	"name":       func(r *userapi.CreateRequest) string { return r.Name },
	"first-name": func(r *userapi.CreateRequest) string { return r.FirstName },
	"last-name":  func(r *userapi.CreateRequest) string { return r.LastName },
	"password":   func(r *userapi.CreateRequest) string { return r.Password },
}

// validateCreate checks before sending what the API needs to create it.
func validateCreate(info userapi.Info, it *Item) error {
	var missing []string
	req := it.CreateRequest()
	for _, f := range info.CreateRequired {
		if get, ok := createFields[f]; ok && get(&req) == "" {
			missing = append(missing, strings.ReplaceAll(f, "-", "_"))
		}
	}
	title := info.Name
	if len(missing) > 0 {
		hint := ""
		if slices.Contains(missing, "password") {
			hint = "; exports carry no passwords: --generate-passwords --report FILE makes them"
		}
		return &errkind.Error{Kind: errkind.Usage, Message: (&lineError{it.Line,
			fmt.Sprintf("missing %s (the %s API needs it to create a user)%s", strings.Join(missing, ", "), title, hint)}).Error()}
	}
	if it.Password != "" && info.MinPasswordLength > 0 && len(it.Password) < info.MinPasswordLength {
		return &errkind.Error{Kind: errkind.Usage, Message: (&lineError{it.Line,
			fmt.Sprintf("password shorter than %d characters", info.MinPasswordLength)}).Error()}
	}
	return nil
}

// busyFactor is how many more 503 answers than uncertain sends a create
// may meet before it is given up: under a burst of 503s (a third of the
// requests, say) a few creates of a large import would otherwise meet
// 2×CreateAttempts of them in a row.
const busyFactor = 4

// unavailable reports a 503 answer: the server is up but refused the
// request for now.
func unavailable(err error) bool {
	var e *errkind.Error
	return errors.As(err, &e) && e.Status == http.StatusServiceUnavailable
}

func maybeSent(err error) bool {
	var e *errkind.Error
	return errors.As(err, &e) && e.MaybeSent
}

// create creates t's user. A create that may have reached the server is
// checked (find by email or username) before it is sent again, so nothing
// is created twice. A user found by such a check (here or in the dialect's
// CreateUser, which returns it as if created) counts as created only when
// it was not among the users there before the run (engine.before).
func (e *engine) create(ctx, stop context.Context, t *PlanItem) Entry {
	req := t.Item.CreateRequest()
	uncertain := false
	// tries counts the sends that may have reached the server; busy those
	// the server answered 503 (it is up but shedding load, so such an
	// answer is cheap and bounded apart, more loosely).
	tries, busy := 0, 0
	for {
		var u userapi.User
		err := e.call(stop, func() error {
			var err error
			u, err = e.b.CreateUser(ctx, req)
			return err
		})
		switch {
		case err == nil:
			if e.before.has(&u) {
				// The dialect's own check after an uncertain send found a
				// user that was there before the run: not created by it.
				return e.existed(ctx, stop, t, &u)
			}
			ent := entryFor(t, Created, nil)
			ent.ID = u.ID
			if uncertain {
				ent.Note = "created by a retry after an earlier send was checked not to have arrived"
			}
			return ent
		case errors.Is(err, errStopped):
			// Stopped while rate limited: not sent (or an earlier send was
			// checked not to have arrived).
			return failedEntry(ctx, stop, t, err)
		case maybeSent(err) || (uncertain && errkind.Is(err, errkind.Conflict)):
			found, ferr := e.find(ctx, stop, t.Item)
			if ferr != nil {
				return entryFor(t, Failed, fmt.Errorf("%w; checking whether it was created failed too: %v", err, ferr))
			}
			if found != nil {
				if e.before.has(found) {
					// There before the run: this run did not create it.
					return e.existed(ctx, stop, t, found)
				}
				ent := entryFor(t, Created, nil)
				ent.ID = found.ID
				ent.Note = "confirmed after an uncertain create"
				return ent
			}
			if errkind.Is(err, errkind.Conflict) {
				return failedEntry(ctx, stop, t, err)
			}
			if unavailable(err) {
				busy++
			} else {
				tries++
			}
			if tries >= e.opts.CreateAttempts || busy >= busyFactor*e.opts.CreateAttempts {
				return failedEntry(ctx, stop, t, err)
			}
			uncertain = true
		case errkind.Is(err, errkind.Conflict) && e.opts.SkipExisting:
			ent := entryFor(t, Skipped, nil)
			ent.Note = "already exists"
			return ent
		default:
			return failedEntry(ctx, stop, t, err)
		}
	}
}

// find looks the item's user up by email, else username: with the
// backend's Finder when it has one, else by scanning ListUsers. It returns
// nil when there is no such user.
func (e *engine) find(ctx, stop context.Context, it *Item) (*userapi.User, error) {
	req := it.CreateRequest() // with the username or email a create derives
	keys := []string{req.Email, req.Username}
	if f, ok := e.b.(userapi.Finder); ok {
		for _, k := range keys {
			if k == "" {
				continue
			}
			var u userapi.User
			var found bool
			err := e.call(stop, func() error {
				var err error
				u, found, err = f.FindUser(ctx, k)
				return err
			})
			if err != nil {
				return nil, err
			}
			if found && matches(&u, it) {
				return &u, nil
			}
		}
		return nil, nil
	}
	for u, err := range e.b.ListUsers(ctx, userapi.ListOptions{}) {
		if err != nil {
			return nil, err
		}
		if matches(&u, it) {
			return &u, nil
		}
	}
	return nil, nil
}

// matches reports whether u is the item's user by email or username.
func matches(u *userapi.User, it *Item) bool {
	req := it.CreateRequest()
	return (req.Email != "" && strings.EqualFold(u.Email, req.Email)) ||
		(req.Username != "" && strings.EqualFold(u.Username, req.Username))
}

// userSet holds the IDs, usernames and emails (lower case) of users.
type userSet map[string]struct{}

// existingUsers lists the users there before a run.
func existingUsers(ctx context.Context, b userapi.Backend) (userSet, error) {
	set := userSet{}
	for u, err := range b.ListUsers(ctx, userapi.ListOptions{}) {
		if err != nil {
			return nil, fmt.Errorf("reading the current users before the import: %w", err)
		}
		set.add(&u)
	}
	return set, nil
}

func (s userSet) add(u *userapi.User) {
	if u.ID != "" {
		s["i:"+u.ID] = struct{}{}
	}
	if u.Username != "" {
		s["u:"+strings.ToLower(u.Username)] = struct{}{}
	}
	if u.Email != "" {
		s["e:"+strings.ToLower(u.Email)] = struct{}{}
	}
}

// has reports whether u is in the set by ID, else by username or email
// when it has no ID (a nil set has nothing).
func (s userSet) has(u *userapi.User) bool {
	if s == nil {
		return false
	}
	if u.ID != "" {
		_, ok := s["i:"+u.ID]
		return ok
	}
	_, byName := s["u:"+strings.ToLower(u.Username)]
	_, byEmail := s["e:"+strings.ToLower(u.Email)]
	return (u.Username != "" && byName) || (u.Email != "" && byEmail)
}

// hasKey reports whether the set has a user with the item's email or
// username (case insensitive).
func (s userSet) hasKey(it *Item) bool {
	if s == nil || it == nil {
		return false
	}
	_, byName := s["u:"+strings.ToLower(it.Username)]
	_, byEmail := s["e:"+strings.ToLower(it.Email)]
	return (it.Username != "" && byName) || (it.Email != "" && byEmail)
}

// existed ends an item whose user was found after an uncertain create but
// was there before the run: skipped with --skip-existing, else failed as a
// conflict, never created.
func (e *engine) existed(ctx, stop context.Context, t *PlanItem, u *userapi.User) Entry {
	if e.opts.SkipExisting {
		ent := entryFor(t, Skipped, nil)
		ent.ID = u.ID
		ent.Note = "already exists"
		return ent
	}
	ent := failedEntry(ctx, stop, t, &errkind.Error{Kind: errkind.Conflict,
		Message: fmt.Sprintf("user %s already exists (it did before this run)", t.Key)})
	ent.ID = u.ID
	return ent
}
