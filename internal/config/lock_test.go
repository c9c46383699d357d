package config

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/userctl/userctl/internal/errkind"
)

func TestEditWaitsForTheLockAndStopsOnCancel(t *testing.T) {
	switch runtime.GOOS {
	case "linux", "darwin", "freebsd", "netbsd", "openbsd", "dragonfly", "windows":
	default:
		t.Skip("no file lock on " + runtime.GOOS)
	}
	path := filepath.Join(t.TempDir(), "userctl", "config.yaml")
	if _, err := Edit(context.Background(), path, func(c *Config) error {
		return c.Set("one", Entry{API: "rest", URL: "http://127.0.0.1:1"})
	}); err != nil {
		t.Fatal(err)
	}

	// Another process holds the lock (an open file of its own).
	release, err := lockFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	_, err = Edit(ctx, path, func(c *Config) error { called = true; return nil })
	if errkind.Of(err) != errkind.Interrupted || called {
		t.Fatalf("Edit while locked, canceled: %v (change called: %v), want interrupted before reading", err, called)
	}
	release()

	c, err := Edit(context.Background(), path, func(c *Config) error {
		if _, ok := c.Get("one"); !ok {
			t.Error("Edit did not read the saved file")
		}
		return c.Set("two", Entry{API: "rest", URL: "http://127.0.0.1:2"})
	})
	if err != nil {
		t.Fatal(err)
	}
	loaded, _, err := Load(path)
	if err != nil || len(loaded.Names()) != 3 || c.Path() != path {
		t.Fatalf("after two edits: %v, %v", loaded.Names(), err)
	}
}
