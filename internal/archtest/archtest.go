// Package archtest holds the architecture tests of the module: the import
// rules that keep its layers pointing one way (cmd → userapi → dialects →
// httpx → errkind). It has no code of its own; see imports_test.go.
//
// The rule that no code outside a dialect's packages names a dialect lives
// with the registrations, in internal/dialects.
package archtest
