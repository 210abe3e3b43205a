package js

import (
	"strings"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"
)

// newConsole returns the `console` object: log, info, warn, error and debug write
// to the console logger with source=console.
func newConsole(vu *VU) *sobek.Object {
	rt := vu.rt
	obj := rt.NewObject()
	logger := vu.b.cfg.Console.WithField("source", "console")
	level := func(l logrus.Level) func(sobek.FunctionCall) sobek.Value {
		return func(call sobek.FunctionCall) sobek.Value {
			logger.Log(l, vu.format(call.Arguments))
			return sobek.Undefined()
		}
	}
	_ = obj.Set("log", level(logrus.InfoLevel))
	_ = obj.Set("info", level(logrus.InfoLevel))
	_ = obj.Set("warn", level(logrus.WarnLevel))
	_ = obj.Set("error", level(logrus.ErrorLevel))
	_ = obj.Set("debug", level(logrus.DebugLevel))
	return obj
}

// format joins console arguments with spaces: strings as they are, errors and
// functions by their string form, other objects as JSON.
func (vu *VU) format(args []sobek.Value) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(vu.valueString(a))
	}
	return b.String()
}

func (vu *VU) valueString(v sobek.Value) string {
	obj, ok := v.(*sobek.Object)
	if !ok || v == nil {
		if v == nil {
			return "undefined"
		}
		return v.String()
	}
	if _, isFn := sobek.AssertFunction(v); isFn {
		return v.String()
	}
	if obj.ClassName() == "Error" {
		return v.String()
	}
	out, err := vu.stringify(v)
	if err != nil || sobek.IsUndefined(out) {
		return v.String()
	}
	return out.String()
}
