// Package bulk is the engine of `users import` and `users apply`: readers
// of bulk files (CSV, JSON Lines, JSON array, YAML list) that stream items
// with their source line numbers, the apply plan (create / update /
// unchanged / delete), a bounded worker pool that carries items out against
// a userapi.Backend, and the per-item JSON Lines report.
//
// Every input line ends in the report as exactly one of created, updated,
// unchanged, skipped, failed (or deleted, for apply --prune):
//
//   - a record that cannot be read (bad JSON, a stray CSV quote, wrong
//     column count, over MaxRecord bytes, invalid email, unknown status,
//     ...) is failed with "line N: ..." and reading resumes at the next
//     record; it does not stop the others, unless Options.FailFast is set;
//     an error that stops the reading after items were sent is one more
//     failed item (a partial failure, not a usage error);
//   - a create that may have reached the server (errkind.Error.MaybeSent)
//     is never blindly re-sent: the user is looked up first (userapi.Finder,
//     else a scan of ListUsers), so nothing is created twice; Import lists
//     the users there before it sends anything, and a user found by such a
//     lookup that was in that list is never reported created;
//   - ComputePlan guards apply --prune: no plan from an input without users,
//     the authenticated account (userapi.SelfIdentifier) kept, at most
//     PlanOptions.MaxDeletes deletes;
//   - when the context is cancelled (Ctrl-C) no new item starts, requests in
//     flight get Options.Grace to finish, and every item that never started
//     is reported as skipped with the error "interrupted" (the rest of the
//     input is still read, without sending anything, so that every line is
//     accounted for); the run then returns an errkind.Interrupted error;
//   - with FailFast, the first failed item stops the run the same way, the
//     never-started items being skipped with a "not attempted" error.
//
// The report is written one line per item as results arrive (ordered by
// completion), each line flushed, so an interrupted run keeps it.
package bulk
