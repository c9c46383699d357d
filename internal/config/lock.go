package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/userctl/userctl/internal/errkind"
)

// LockWait bounds how long Edit waits for another process to finish its
// edit of the same config file.
const LockWait = 30 * time.Second

// lockPoll is how often Edit tries the lock while another process holds it.
const lockPoll = 10 * time.Millisecond

// Edit is the read-modify-write of the config file at path, serialized
// across processes: it takes an exclusive lock on PATH.lock (created beside
// the file, mode 0600, and left there), loads the file afresh, runs change
// and, when change succeeds, saves the file before releasing the lock. So
// concurrent `profile add` (use, remove) never lose each other's profiles:
// each one edits what the previous one saved. It returns the saved config.
//
// Waiting for the lock ends with ctx (Ctrl-C: errkind.Interrupted) or after
// LockWait (an error naming the lock file). Prompts must come before Edit,
// never inside change: the lock would be held while a person types.
func Edit(ctx context.Context, path string, change func(*Config) error) (*Config, error) {
	release, err := lockFile(ctx, path)
	if err != nil {
		return nil, err
	}
	defer release()
	c, _, err := Load(path) // warnings were shown when the command loaded it
	if err != nil {
		return nil, err
	}
	if err := change(c); err != nil {
		return nil, err
	}
	if err := c.Save(); err != nil {
		return nil, err
	}
	return c, nil
}

// lockFile takes the exclusive lock of the config file at path and returns
// its release.
func lockFile(ctx context.Context, path string) (release func(), err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved // the file Save replaces, whatever link names it
	}
	lockPath := target + ".lock"
	fail := func(err error) error {
		return &errkind.Error{Kind: errkind.Unknown, Message: fmt.Sprintf("locking config %s: %v", path, unwrapPathErr(err)), Err: err}
	}
	if err := os.MkdirAll(filepath.Dir(lockPath), 0o700); err != nil {
		return nil, fail(err)
	}
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fail(err)
	}
	deadline := time.Now().Add(LockWait)
	var tick *time.Ticker
	for {
		ok, err := tryLock(f)
		if err != nil {
			_ = f.Close()
			return nil, fail(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			_ = f.Close()
			return nil, &errkind.Error{Kind: errkind.Unknown, Message: fmt.Sprintf(
				"config %s is being changed by another userctl process (lock %s held for over %s); try again", path, lockPath, LockWait)}
		}
		if tick == nil {
			tick = time.NewTicker(lockPoll)
			defer tick.Stop()
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("waiting for the lock of config %s: %w", path, ctx.Err())
		case <-tick.C:
		}
	}
	return func() {
		_ = unlock(f)
		_ = f.Close()
	}, nil
}
