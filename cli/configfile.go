package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/minik6/minik6/options"
)

// defaultConfigPath is where k6 keeps its config file:
// $XDG_CONFIG_HOME/k6/config.json, or ~/.config/k6/config.json.
func defaultConfigPath(env map[string]string) string {
	dir := env["XDG_CONFIG_HOME"]
	if dir == "" {
		home := env["HOME"]
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "k6", "config.json")
}

// configFilePath is the config file to read: --config, else K6_CONFIG, else
// the default one. explicit is false for the default, which may be missing.
func configFilePath(flag string, env map[string]string) (path string, explicit bool) {
	switch {
	case flag != "":
		return flag, true
	case env["K6_CONFIG"] != "":
		return env["K6_CONFIG"], true
	}
	return defaultConfigPath(env), false
}

// configFile is what a config file holds: options, and settings by output
// name under "collectors" (collectors.cloud holds the cloud login).
type configFile struct {
	Options    options.Options
	Collectors map[string]json.RawMessage
}

// readConfigFile reads the config file at path; a missing file that was not
// asked for explicitly is an empty one.
func readConfigFile(path string, explicit bool) (configFile, error) {
	var cf configFile
	if path == "" {
		return cf, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return cf, nil
	}
	if err != nil {
		return cf, fmt.Errorf("--config: %w", err)
	}
	if trimmed := bytes.TrimSpace(data); len(trimmed) == 0 || trimmed[0] != '{' {
		return cf, fmt.Errorf("config file %s: want a JSON object of options", path)
	}
	if cf.Options, err = options.Parse(data); err != nil {
		return cf, fmt.Errorf("config file %s: %w", path, err)
	}
	var file struct {
		Collectors map[string]json.RawMessage `json:"collectors"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return cf, fmt.Errorf("config file %s: collectors: %w", path, err)
	}
	cf.Collectors = file.Collectors
	return cf, nil
}

// writeCollector stores one output's settings (collectors.NAME) in the config
// file at path, keeping everything else in it, and creates the file (0600:
// it may hold a token) and its folder when missing.
func writeCollector(path, name string, settings any) error {
	doc := map[string]json.RawMessage{}
	data, err := os.ReadFile(path)
	switch {
	case err == nil && len(data) > 0:
		if err := json.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("config file %s: %w", path, err)
		}
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	collectors := map[string]json.RawMessage{}
	if raw, ok := doc["collectors"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &collectors); err != nil {
			return fmt.Errorf("config file %s: collectors: %w", path, err)
		}
	}
	if collectors[name], err = json.Marshal(settings); err != nil {
		return err
	}
	if doc["collectors"], err = json.Marshal(collectors); err != nil {
		return err
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o600)
}
