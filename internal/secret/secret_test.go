package secret

import (
	"errors"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

func TestKeyringMock(t *testing.T) {
	keyring.MockInit()
	s := Keyring()
	if _, err := s.Get(Service, Key("prod", "token")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing secret: got %v, want ErrNotFound", err)
	}
	if err := s.Set(Service, Key("prod", "token"), "s3cret"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	v, err := s.Get(Service, "prod/token")
	if err != nil || v != "s3cret" {
		t.Fatalf("Get = %q, %v; want s3cret", v, err)
	}
	if err := s.Delete(Service, "prod/token"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := s.Delete(Service, "prod/token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: got %v, want ErrNotFound", err)
	}
}

func TestKeyringBackendErrorIsUnavailable(t *testing.T) {
	cause := errors.New("org.freedesktop.DBus.Error.ServiceUnknown")
	keyring.MockInitWithError(cause)
	t.Cleanup(keyring.MockInit)
	err := Keyring().Set(Service, "prod/token", "x")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, cause) {
		t.Fatalf("got %v, want ErrUnavailable wrapping the cause", err)
	}
}

// hanging never answers until released, like a keyring without a D-Bus
// Secret Service on some headless machines.
type hanging struct{ release chan struct{} }

func (h hanging) Get(string, string) (string, error) { <-h.release; return "", nil }
func (h hanging) Set(string, string, string) error   { <-h.release; return nil }
func (h hanging) Delete(string, string) error        { <-h.release; return nil }

func TestTimeoutIsUnavailable(t *testing.T) {
	h := hanging{release: make(chan struct{})}
	defer close(h.release)
	s := newTimed(time.Millisecond, h)
	if _, err := s.Get(Service, "p/token"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get: got %v, want ErrUnavailable", err)
	}
	if err := s.Set(Service, "p/token", "v"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Set: got %v, want ErrUnavailable", err)
	}
}

func TestMemory(t *testing.T) {
	m := NewMemory()
	if err := m.Set(Service, "a/token", "v"); err != nil {
		t.Fatal(err)
	}
	if v, err := m.Get(Service, "a/token"); err != nil || v != "v" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if _, err := m.Get("other", "a/token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("other service: %v", err)
	}
	m.Unavailable = true
	if _, err := m.Get(Service, "a/token"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("unavailable Get: %v", err)
	}
	m.Unavailable = false
	if err := m.Delete(Service, "a/token"); err != nil || m.Len() != 0 {
		t.Fatalf("Delete: %v, len %d", err, m.Len())
	}
}
