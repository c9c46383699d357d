package userapi

import (
	"fmt"
	"strconv"
	"strings"
)

// The settings several dialects share, with the environment variables of
// CLI.md "Global flags and environment". A dialect declares the ones it
// reads; help may be adapted to it.

// TokenSetting is a bearer token or API key read from USERCTL_TOKEN.
func TokenSetting(help, prompt string) Setting {
	return Setting{Key: "token", Help: help, Secret: true, Required: true, Env: []string{"USERCTL_TOKEN"}, Prompt: prompt}
}

// UsernameSetting is the account userctl logs in as, from USERCTL_USERNAME
// or `profile add --username`.
func UsernameSetting(help string, required bool) Setting {
	return Setting{Key: "username", Help: help, Required: required, Env: []string{"USERCTL_USERNAME"}, Flag: "username"}
}

// PasswordSetting is the password of UsernameSetting, from USERCTL_PASSWORD.
func PasswordSetting(help string, required bool) Setting {
	return Setting{Key: "password", Help: help, Secret: true, Required: required, Env: []string{"USERCTL_PASSWORD"}, Prompt: "Password"}
}

// PageSize reads a page_size setting: a positive whole number. The error
// names the key and the value; the caller adds the profile.
func PageSize(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("page_size %q is not a positive number", v)
	}
	return n, nil
}

// HeaderAuth reads an auth setting of the form header:NAME, the header the
// token is sent in (NAME without the white space around it). ok is false
// when v is not of that form or names no header; err, when NAME is not a
// valid header name, is CheckHeaderName's, for the caller to word.
func HeaderAuth(v string) (name string, ok bool, err error) {
	name, ok = strings.CutPrefix(v, "header:")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return "", false, nil
	}
	if err := CheckHeaderName(name); err != nil {
		return "", true, err
	}
	return name, true, nil
}
