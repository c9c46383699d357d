package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

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
		rest := map[string]any{}
		for k, v := range raw {
			if !seen[k] {
				rest[k] = v
			}
		}
		rest = nestDotted(rest)
		for _, k := range sortedKeys(rest) {
			if err := add(pn, k, rest[k]); err != nil {
				return nil, err
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

// Save writes the file atomically (a temporary file in the same directory,
// synced, then renamed over it) with mode 0600, creating its directory with
// mode 0700. Other profiles, unknown keys and the other top-level keys are
// kept; comments and key order are not.
func (c *Config) Save() error {
	data, err := c.marshal()
	if err != nil {
		return fmt.Errorf("config %s: encoding: %w", c.path, err)
	}
	if err := writeAtomic(c.path, data); err != nil {
		return err
	}
	c.exists, c.mode = true, 0o600
	return nil
}
