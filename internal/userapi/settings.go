package userapi

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
