package config

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/userctl/userctl/internal/errkind"
)

// keyOrder is the order a profile's keys are written in: api, url, the
// dialect's settings that have a flag, its secrets (each with its _env and
// _source variants), then ca_file, output, timeout; other keys follow,
// sorted.
func keyOrder(api string) []string {
	settings, _ := dialectSettings(api)
	out := []string{keyAPI, keyURL}
	for _, s := range settings {
		if s.Flag != "" && !s.Secret {
			out = append(out, s.Key)
		}
	}
	for _, s := range settings {
		if s.Secret {
			out = append(out, s.Key, s.Key+suffixEnv, s.Key+suffixSource)
		}
	}
	return append(out, keyCAFile, keyOutput, keyTimeout)
}

// marshal renders the file: current_profile, profiles (sorted, known keys
// first), then any other top-level keys, sorted.
func (c *Config) marshal() ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	add := func(m *yaml.Node, k string, v any) error {
		vn := &yaml.Node{}
		if n, ok := v.(*yaml.Node); ok {
			vn = n
		} else if err := vn.Encode(v); err != nil {
			return fmt.Errorf("key %s: %w", k, err)
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, vn)
		return nil
	}
	if c.current != "" {
		if err := add(root, keyCurrent, c.current); err != nil {
			return nil, err
		}
	}
	profiles := &yaml.Node{Kind: yaml.MappingNode}
	for _, name := range sortedKeys(c.profiles) {
		raw := c.profiles[name]
		pn := &yaml.Node{Kind: yaml.MappingNode}
		seen := map[string]bool{}
		api, _ := raw[keyAPI].(string)
		for _, k := range keyOrder(api) {
			if v, ok := raw[k]; ok {
				seen[k] = true
				if err := add(pn, k, v); err != nil {
					return nil, err
				}
			}
		}
		for _, k := range sortedKeys(raw) {
			if !seen[k] {
				if err := add(pn, k, raw[k]); err != nil {
					return nil, err
				}
			}
		}
		if err := add(profiles, name, pn); err != nil {
			return nil, err
		}
	}
	if err := add(root, keyProfiles, profiles); err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(c.other) {
		if err := add(root, k, c.other[k]); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// writeAtomic replaces path with data: a temporary file in the same
// directory (mode 0600), synced, renamed over path. The directory is created
// with mode 0700 when missing. A symbolic link at path is followed, so that
// the file it points to is replaced, not the link.
func writeAtomic(path string, data []byte) (err error) {
	fail := func(err error) error {
		return &errkind.Error{Kind: errkind.Unknown, Message: fmt.Sprintf("writing config %s: %v", path, unwrapPathErr(err)), Err: err}
	}
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fail(err)
	}
	// Make the rename durable; not every platform can sync a directory.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

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
