package bulk

import (
	"context"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// Apply carries out a plan made by ComputePlan with a pool of workers:
// creates (checked like Import's, so never twice), updates (status through
// userapi.Disabler when the backend has it, the other fields through
// userapi.Updater), deletes. Unchanged items are reported without a
// request; items with Err fail without one. The results and errors are
// those of Import. Options.DryRun and SkipExisting are ignored: a dry run
// stops after the plan.
func Apply(ctx context.Context, b userapi.Backend, plan *Plan, opts Options) (Summary, error) {
	opts.DryRun, opts.SkipExisting = false, false
	if opts.Total == 0 {
		opts.Total = len(plan.Items)
	}
	e := &engine{b: b, opts: opts.withDefaults(b), info: b.Info()}
	if e.opts.Verb == "bulk" {
		e.opts.Verb = "apply"
	}
	tasks := func(yield func(PlanItem, error) bool) {
		for _, p := range plan.Items {
			if !yield(p, nil) {
				return
			}
		}
	}
	direct := func(t *PlanItem) (Entry, bool) {
		switch {
		case t.Err != nil:
			return entryFor(t, Failed, t.Err), true
		case t.Action == ActionUnchanged:
			return entryFor(t, Unchanged, nil), true
		case t.Action == ActionInvalid:
			return entryFor(t, Failed, errkind.Errorf(errkind.Usage, "invalid item")), true
		}
		return Entry{}, false
	}
	return e.run(ctx, tasks, direct, e.applyOne)
}

func (e *engine) applyOne(ctx, stop context.Context, t *PlanItem) Entry {
	switch t.Action {
	case ActionCreate:
		return e.create(ctx, stop, t)
	case ActionDelete:
		err := e.call(stop, func() error {
			_, err := e.b.DeleteUser(ctx, t.ID, e.opts.Delete)
			return err
		})
		if errkind.Is(err, errkind.NotFound) {
			ent := entryFor(t, Deleted, nil)
			ent.Note = "already gone"
			return ent
		}
		if err != nil {
			return failedEntry(ctx, stop, t, err)
		}
		return entryFor(t, Deleted, nil)
	default:
		if err := e.update(ctx, stop, t); err != nil {
			return failedEntry(ctx, stop, t, err)
		}
		return entryFor(t, Updated, nil)
	}
}

// update makes an update's changes: status through the Disabler when the
// backend has one, everything else through the Updater.
func (e *engine) update(ctx, stop context.Context, t *PlanItem) error {
	dis, hasDis := e.b.(userapi.Disabler)
	upd, hasUpd := e.b.(userapi.Updater)
	statusByDisabler := false
	for _, c := range t.Changes {
		if c.Field == "status" && hasDis {
			statusByDisabler = true
			err := e.call(stop, func() error {
				var err error
				if t.Item.Status == userapi.StatusDisabled {
					_, err = dis.DisableUser(ctx, t.ID)
				} else {
					_, err = dis.EnableUser(ctx, t.ID)
				}
				return err
			})
			if err != nil {
				return err
			}
		}
	}
	req := updateRequest(t.Item, t.Changes, !statusByDisabler)
	if req.IsEmpty() {
		return nil
	}
	if !hasUpd {
		return userapi.Unsupported(e.b, "update")
	}
	return e.call(stop, func() error {
		_, err := upd.UpdateUser(ctx, t.ID, req)
		return err
	})
}
