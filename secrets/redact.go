package secrets

import (
	"fmt"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// Redacted is what a log line shows in place of a secret, as in k6.
const Redacted = "***SECRET_REDACTED***"

// Levels is every level: the Manager redacts all log entries.
func (m *Manager) Levels() []logrus.Level { return logrus.AllLevels }

// Fire redacts the secrets handed out so far from the entry's message and
// from its fields' keys and values. A field value that is not a string,
// number, boolean or duration is replaced by its text, redacted, when that
// text holds a secret.
func (m *Manager) Fire(e *logrus.Entry) error {
	m.mu.Lock()
	r := m.replacer
	m.mu.Unlock()
	if r == nil {
		return nil
	}
	e.Message = r.Replace(e.Message)
	if len(e.Data) == 0 {
		return nil
	}
	// Entries share their Data with the entry they were made from: redact
	// a copy.
	data := make(logrus.Fields, len(e.Data))
	for k, v := range e.Data {
		data[r.Replace(k)] = redactValue(r, v)
	}
	e.Data = data
	return nil
}

func redactValue(r *strings.Replacer, v any) any {
	switch x := v.(type) {
	case string:
		return r.Replace(x)
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, time.Duration:
		return v
	}
	text := fmt.Sprint(v)
	if redacted := r.Replace(text); redacted != text {
		return redacted
	}
	return v
}
