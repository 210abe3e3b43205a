package cloud

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gopkg.in/guregu/null.v3"
)

// LegacyCloudConfigKey is the key of options.ext that held the script's cloud
// settings before options.cloud existed.
const LegacyCloudConfigKey = "loadimpact"

// legacyWarning is GetConsolidatedConfig's warning when the script's settings
// come from options.ext.loadimpact.
const legacyWarning = "The options.ext.loadimpact option is deprecated, please use options.cloud instead"

// GetConsolidatedConfig returns the cloud settings of a test, from the lowest
// layer to the highest:
//
//  1. the defaults (NewConfig);
//  2. jsonRawConf, the config file's collectors.cloud object (nil when absent);
//  3. the script's options.cloud (cloudConfig) or, only when that is missing
//     or null, its options.ext.loadimpact (from external, the options.ext
//     object); of these only projectID, name, token and stackID are taken;
//  4. the K6_CLOUD_* variables of env (durations as Go durations);
//  5. configArg, the argument of --out cloud=<arg>, which sets the name.
//
// Each layer is laid over the one below with Config.Apply. When the script's
// settings came from options.ext.loadimpact, the string result is a
// deprecation warning for the user. A layer that does not parse gives an
// error naming it, and the zero Config.
func GetConsolidatedConfig(
	jsonRawConf json.RawMessage,
	env map[string]string,
	configArg string,
	cloudConfig json.RawMessage,
	external map[string]json.RawMessage,
) (Config, string, error) {
	result := NewConfig()
	if !isNull(jsonRawConf) {
		var fileConf Config
		if err := json.Unmarshal(jsonRawConf, &fileConf); err != nil {
			return Config{}, "", fmt.Errorf("invalid cloud settings in the config file (collectors.cloud): %w", err)
		}
		result = result.Apply(fileConf)
	}

	var warning string
	if raw, source, legacy := scriptCloudSettings(cloudConfig, external); raw != nil {
		var script struct {
			ProjectID null.Int    `json:"projectID"`
			Name      null.String `json:"name"`
			Token     null.String `json:"token"`
			StackID   null.Int    `json:"stackID"`
		}
		if err := json.Unmarshal(raw, &script); err != nil {
			return Config{}, "", fmt.Errorf("invalid %s: %w", source, err)
		}
		result = result.Apply(Config{
			ProjectID: script.ProjectID,
			Name:      script.Name,
			Token:     script.Token,
			StackID:   script.StackID,
		})
		if legacy {
			warning = legacyWarning
		}
	}

	envConf, err := configFromEnv(env)
	if err != nil {
		return Config{}, "", err
	}
	result = result.Apply(envConf)

	if configArg != "" {
		result.Name = null.StringFrom(configArg)
	}
	return result, warning, nil
}

// GetTemporaryCloudConfig returns the script's cloud settings with all their
// keys, as a map the cloud commands can add to before sending the options:
// options.cloud (cloudConfig) or, only when that is missing or null,
// options.ext.loadimpact (from external, the options.ext object). The map is
// empty, not nil, when the script has neither.
func GetTemporaryCloudConfig(
	cloudConfig json.RawMessage,
	external map[string]json.RawMessage,
) (map[string]any, error) {
	settings := make(map[string]any)
	raw, source, _ := scriptCloudSettings(cloudConfig, external)
	if raw == nil {
		return settings, nil
	}
	if err := json.Unmarshal(raw, &settings); err != nil {
		return nil, fmt.Errorf("invalid %s: %w", source, err)
	}
	return settings, nil
}

// scriptCloudSettings picks the script's cloud settings: options.cloud, else
// options.ext.loadimpact (legacy true). raw is nil when both are missing or
// null; source names the option raw came from.
func scriptCloudSettings(
	cloudConfig json.RawMessage,
	external map[string]json.RawMessage,
) (raw json.RawMessage, source string, legacy bool) {
	if !isNull(cloudConfig) {
		return cloudConfig, "options.cloud", false
	}
	if ext := external[LegacyCloudConfigKey]; !isNull(ext) {
		return ext, "options.ext." + LegacyCloudConfigKey, true
	}
	return nil, "", false
}

// isNull reports whether raw is missing, blank or the JSON null.
func isNull(raw json.RawMessage) bool {
	trimmed := bytes.TrimSpace(raw)
	return len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null"))
}
