package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/userctl/userctl/internal/errkind"
	"github.com/userctl/userctl/internal/userapi"
)

// Load reads the config file at path. A missing file is an empty config. A
// malformed one is a usage error naming the file and line. The warnings are
// for stderr: a file readable by group or others, a profile named sandbox in
// the file (ignored).
func Load(path string) (*Config, []string, error) {
	c := New(path)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil, nil
	}
	if err != nil {
		return nil, nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("config %s: %v", path, unwrapPathErr(err)), Err: err}
	}
	var warnings []string
	if fi, err := os.Stat(path); err == nil {
		c.exists, c.mode = true, fi.Mode().Perm()
		if runtime.GOOS != "windows" && c.mode&0o077 != 0 {
			warnings = append(warnings, fmt.Sprintf("config file %s is readable by others (mode %04o); run: chmod 600 %s", path, c.mode, path))
		}
	}
	if err := checkStructure(path, data); err != nil {
		return nil, nil, err
	}

	// One viper instance per Config; "::" as the key delimiter keeps keys
	// that contain dots intact.
	v := viper.NewWithOptions(viper.KeyDelimiter("::"))
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil, nil, &errkind.Error{Kind: errkind.Usage, Message: fmt.Sprintf("config %s: %v", path, err), Err: err}
	}
	c.current = v.GetString(keyCurrent)
	if ps, ok := v.Get(keyProfiles).(map[string]any); ok {
		for name, raw := range ps {
			m, _ := raw.(map[string]any)
			m = flattenNested(m)
			if name == Sandbox {
				warnings = append(warnings, fmt.Sprintf("config file %s: profile %q is ignored: sandbox is built in", path, name))
			} else if _, err := entryFromRaw(m); err != nil {
				return nil, nil, errkind.Errorf(errkind.Usage, "config %s: profile %q: %v", path, name, err)
			}
			c.profiles[name] = m
		}
	}
	for _, k := range v.AllKeys() {
		top, _, _ := strings.Cut(k, "::")
		if top != keyCurrent && top != keyProfiles {
			c.other[top] = v.Get(top)
		}
	}
	if c.current != "" && c.current != Sandbox {
		if _, ok := c.profiles[c.current]; !ok {
			warnings = append(warnings, fmt.Sprintf("config file %s: current_profile %q does not exist", path, c.current))
		}
	}
	return c, warnings, nil
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkStructure parses data with yaml.v3 to report syntax errors and a
// wrong shape with their line numbers, which viper's errors lack.
func checkStructure(path string, data []byte) error {
	fail := func(line int, format string, args ...any) error {
		return errkind.Errorf(errkind.Usage, "config %s: line %d: %s", path, line, fmt.Sprintf(format, args...))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return errkind.Errorf(errkind.Usage, "config %s: %s", path, syntaxMessage(data, err))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // empty file
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return fail(root.Line, "the file must be a mapping with current_profile and profiles")
	}
	// Decoding into a map catches duplicate keys.
	var m map[string]any
	if err := doc.Decode(&m); err != nil {
		return errkind.Errorf(errkind.Usage, "config %s: %s", path, yamlMessage(err))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, val := root.Content[i], root.Content[i+1]
		switch strings.ToLower(k.Value) {
		case keyCurrent:
			if val.Kind != yaml.ScalarNode {
				return fail(val.Line, "current_profile must be a profile name")
			}
		case keyProfiles:
			if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
				continue
			}
			if val.Kind != yaml.MappingNode {
				return fail(val.Line, "profiles must be a mapping of profile names to profiles")
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				pk, pv := val.Content[j], val.Content[j+1]
				if err := ValidateName(pk.Value); err != nil {
					return fail(pk.Line, "%v", err)
				}
				if pv.Kind != yaml.MappingNode && !(pv.Kind == yaml.ScalarNode && pv.Tag == "!!null") {
					return fail(pv.Line, "profile %q must be a mapping of keys to values", pk.Value)
				}
				api := ""
				for n := 0; n+1 < len(pv.Content); n += 2 {
					if strings.ToLower(pv.Content[n].Value) == keyAPI {
						api = pv.Content[n+1].Value
					}
				}
				settings, strict := dialectSettings(api)
				for _, kv := range flatNodes(pv) {
					key, v, k := kv.key, kv.value, kv.name
					if kind, st := classify(settings, k); strict && pk.Value != Sandbox {
						switch kind {
						case keyUnknown:
							return fail(key.Line, "profile %q: %v", pk.Value, unknownKeyError(api, k, settings))
						case keyValue:
							if err := st.Check(v.Value); v.Kind == yaml.ScalarNode && err != nil {
								return fail(v.Line, "profile %q: %v", pk.Value, err)
							}
						}
					}
					switch k {
					case "timeout":
						if _, err := time.ParseDuration(v.Value); v.Kind != yaml.ScalarNode || err != nil {
							return fail(v.Line, "profile %q: timeout %q is not a duration (e.g. 30s, 2m)", pk.Value, v.Value)
						}
					case "api":
						if known := userapi.Names(); len(known) > 0 && !slices.Contains(known, v.Value) {
							return fail(v.Line, "profile %q: unknown api %q (known: %s)", pk.Value, v.Value, strings.Join(known, ", "))
						}
					}
				}
			}
		}
	}
	return nil
}

// reYAMLLine is the "line N: " the YAML parser puts before its message.
var reYAMLLine = regexp.MustCompile(`^line (\d+): `)

// maxLinesToLocate bounds the files syntaxMessage re-parses line by line.
const maxLinesToLocate = 5000

// syntaxMessage is the parser's message of a syntax error with the line
// where the file stops being valid YAML. The parser names the line where
// the enclosing block starts (an indentation error on line 5 under
// "profiles:" is "line 2"), or none at all (a tab at the start): the first
// line whose prefix of the file fails with the same message is the one to
// fix.
func syntaxMessage(data []byte, err error) string {
	full := yamlMessage(err)
	problem := reYAMLLine.ReplaceAllString(full, "")
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) > maxLinesToLocate {
		return full
	}
	var prefix strings.Builder
	for i, l := range lines {
		prefix.WriteString(l)
		var n yaml.Node
		perr := yaml.Unmarshal([]byte(prefix.String()), &n)
		if perr != nil && reYAMLLine.ReplaceAllString(yamlMessage(perr), "") == problem {
			return fmt.Sprintf("line %d: %s", i+1, problem)
		}
	}
	return full
}

// yamlMessage is the message of a yaml.v3 error: "line N: message" for a
// syntax error, the joined messages of a type error.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
