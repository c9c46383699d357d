// Package secret keeps profile secrets in the OS keyring (macOS Keychain,
// Windows Credential Manager, the Secret Service on Linux) behind a small
// interface, so that callers and tests do not depend on the keyring library.
//
// Every keyring call is bounded by a timeout: on a headless Linux machine
// without a Secret Service on D-Bus the library may fail or hang, and userctl
// must then fall back (to the 0600 config file) instead of blocking.
package secret

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keyring service name under which userctl keeps its secrets.
const Service = "userctl"

// DefaultTimeout bounds a single keyring call made by Keyring.
const DefaultTimeout = 3 * time.Second

var (
	// ErrNotFound means the keyring works but holds no such secret.
	ErrNotFound = errors.New("secret not found in the OS keyring")
	// ErrUnavailable means there is no usable keyring: no backend on this
	// platform, no Secret Service on D-Bus, a locked keyring, or a call
	// that did not answer in time.
	ErrUnavailable = errors.New("no OS keyring available")
)

// Store reads and writes secrets. Implementations return errors that match
// ErrNotFound or ErrUnavailable with errors.Is where those apply.
type Store interface {
	// Get returns the secret stored under service and key.
	Get(service, key string) (string, error)
	// Set stores value under service and key, replacing any previous one.
	Set(service, key, value string) error
	// Delete removes the secret; a missing one is ErrNotFound.
	Delete(service, key string) error
}

// Key is the keyring key of a profile's secret field: "PROFILE/FIELD"
// (e.g. "prod/token").
func Key(profile, field string) string { return profile + "/" + field }

// Keyring returns the OS keyring with DefaultTimeout per call.
func Keyring() Store { return NewKeyring(DefaultTimeout) }

// NewKeyring returns the OS keyring with the given timeout per call
// (DefaultTimeout when d <= 0). Use keyring.MockInit in tests to replace the
// OS backend by memory.
func NewKeyring(d time.Duration) Store {
	return newTimed(d, osBackend{})
}

// backend is the raw keyring API, replaceable in tests (to simulate a hang).
type backend interface {
	Get(service, user string) (string, error)
	Set(service, user, value string) error
	Delete(service, user string) error
}

type osBackend struct{}

func (osBackend) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (osBackend) Set(service, user, value string) error    { return keyring.Set(service, user, value) }
func (osBackend) Delete(service, user string) error        { return keyring.Delete(service, user) }

// timed wraps a backend so that every call gives up after timeout.
type timed struct {
	timeout time.Duration
	b       backend
}

func newTimed(d time.Duration, b backend) *timed {
	if d <= 0 {
		d = DefaultTimeout
	}
	return &timed{timeout: d, b: b}
}

type result struct {
	value string
	err   error
}

// call runs fn in a goroutine and waits at most t.timeout. A call that hangs
// is abandoned (its goroutine ends whenever the backend returns; the result
// channel is buffered so it never blocks).
func (t *timed) call(op, key string, fn func() (string, error)) (string, error) {
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	timer := time.NewTimer(t.timeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r.value, classify(op, key, r.err)
	case <-timer.C:
		return "", fmt.Errorf("keyring %s %s: %w (no answer within %s)", op, key, ErrUnavailable, t.timeout)
	}
}

// classify maps the library's errors onto ErrNotFound / ErrUnavailable,
// keeping the cause.
func classify(op, key string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return fmt.Errorf("keyring %s %s: %w", op, key, ErrNotFound)
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("keyring %s %s: %w", op, key, err)
	default:
		return fmt.Errorf("keyring %s %s: %w: %w", op, key, ErrUnavailable, err)
	}
}

// Get implements Store.
func (t *timed) Get(service, key string) (string, error) {
	return t.call("get", key, func() (string, error) { return t.b.Get(service, key) })
}

// Set implements Store.
func (t *timed) Set(service, key, value string) error {
	_, err := t.call("set", key, func() (string, error) { return "", t.b.Set(service, key, value) })
	return err
}

// Delete implements Store.
func (t *timed) Delete(service, key string) error {
	_, err := t.call("delete", key, func() (string, error) { return "", t.b.Delete(service, key) })
	return err
}

// Memory is an in-memory Store for tests. The zero value is ready to use.
// Set Unavailable to make every call fail with ErrUnavailable (a machine
// without a keyring).
type Memory struct {
	// Unavailable makes every call fail with ErrUnavailable.
	Unavailable bool

	mu sync.Mutex
	m  map[string]string
}

// NewMemory returns an empty, working in-memory store.
func NewMemory() *Memory { return &Memory{} }

// Get implements Store.
func (m *Memory) Get(service, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Unavailable {
		return "", fmt.Errorf("keyring get %s: %w", key, ErrUnavailable)
	}
	v, ok := m.m[service+"\x00"+key]
	if !ok {
		return "", fmt.Errorf("keyring get %s: %w", key, ErrNotFound)
	}
	return v, nil
}

// Set implements Store.
func (m *Memory) Set(service, key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Unavailable {
		return fmt.Errorf("keyring set %s: %w", key, ErrUnavailable)
	}
	if m.m == nil {
		m.m = map[string]string{}
	}
	m.m[service+"\x00"+key] = value
	return nil
}

// Delete implements Store.
func (m *Memory) Delete(service, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Unavailable {
		return fmt.Errorf("keyring delete %s: %w", key, ErrUnavailable)
	}
	k := service + "\x00" + key
	if _, ok := m.m[k]; !ok {
		return fmt.Errorf("keyring delete %s: %w", key, ErrNotFound)
	}
	delete(m.m, k)
	return nil
}

// Len is the number of secrets held (for tests).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}
