package output

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/minik6/minik6/metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		spec, name, arg string
		wantErr         string
	}{
		{spec: "json=out.json", name: "json", arg: "out.json"},
		{spec: "json=out.json.gz", name: "json", arg: "out.json.gz"},
		{spec: "json", name: "json"},
		{spec: "json=", name: "json"},
		{spec: "json=-", name: "json", arg: "-"},
		{spec: "json=a=b.json", name: "json", arg: "a=b.json"},
		{spec: "csv", name: "csv"},
		{spec: "csv=out.csv", name: "csv", arg: "out.csv"},
		{spec: "csv=fileName=x.csv,timeFormat=rfc3339", name: "csv", arg: "fileName=x.csv,timeFormat=rfc3339"},
		{spec: "", wantErr: `invalid output "": want TYPE or TYPE=ARGUMENT, where TYPE is one of csv, json`},
		{spec: "=out.json", wantErr: `invalid output "=out.json"`},
		{spec: "foo=bar", wantErr: "invalid output type 'foo', available types are: csv, json"},
		{spec: "JSON", wantErr: "invalid output type 'JSON', available types are: csv, json"},
		{spec: " json", wantErr: "invalid output type ' json'"},
		{spec: "influxdb=http://localhost:8086/k6", wantErr: "output type 'influxdb' is not supported by minik6; available types are: csv, json"},
		{spec: "cloud", wantErr: "output type 'cloud' is not supported by minik6"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			name, arg, err := Parse(tt.spec)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.name, name)
			assert.Equal(t, tt.arg, arg)
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"json=out.json", "json", "csv=a,b=c", "", "=", "x=y=z", "influxdb", "json\x00=\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		name, arg, err := Parse(spec)
		if err != nil {
			require.Empty(t, name)
			require.Empty(t, arg)
			// The message names what was wrong: the whole spec when there is
			// no name, else the name.
			before, _, _ := strings.Cut(spec, "=")
			if before == "" {
				require.Contains(t, err.Error(), "invalid output")
			} else {
				require.Contains(t, err.Error(), "'"+before+"'")
			}
			require.Contains(t, err.Error(), "csv, json")
			return
		}
		require.Contains(t, Known(), name)
		if strings.Contains(spec, "=") {
			require.Equal(t, spec, name+"="+arg)
		} else {
			require.Equal(t, spec, name)
			require.Empty(t, arg)
		}
	})
}

func TestNew(t *testing.T) {
	ext := map[string]stdjson.RawMessage{"csv": stdjson.RawMessage(`{"fileName":"ext.csv"}`)}
	tests := []struct {
		name, spec string
		p          Params
		want       string // Description
		wantErr    string
	}{
		{name: "json file", spec: "json=out.json", want: "json (out.json)"},
		{name: "json stdout", spec: "json", want: "json (stdout)"},
		{name: "json dash", spec: "json=-", want: "json (stdout)"},
		{name: "csv default", spec: "csv", want: "csv (file.csv)"},
		{name: "csv file", spec: "csv=out.csv", want: "csv (out.csv)"},
		{name: "csv stdout", spec: "csv=-", want: "csv (stdout)"},
		{name: "csv ext", spec: "csv", p: Params{Ext: ext}, want: "csv (ext.csv)"},
		{name: "csv env over ext", spec: "csv", p: Params{Ext: ext, Env: map[string]string{"K6_CSV_FILENAME": "env.csv"}}, want: "csv (env.csv)"},
		{name: "csv arg over env", spec: "csv=arg.csv", p: Params{Env: map[string]string{"K6_CSV_FILENAME": "env.csv"}}, want: "csv (arg.csv)"},
		{name: "csv settings", spec: "csv=fileName=s.csv,saveInterval=2s", want: "csv (s.csv)"},
		{name: "csv bad arg", spec: "csv=timeFormat=iso", wantErr: `--out csv=timeFormat=iso: timeFormat: unknown time format "iso"`},
		{name: "csv bad env", spec: "csv", p: Params{Env: map[string]string{"K6_CSV_TIME_FORMAT": "x"}}, wantErr: "--out csv: K6_CSV_TIME_FORMAT: timeFormat"},
		{name: "csv bad ext", spec: "csv", p: Params{Ext: map[string]stdjson.RawMessage{"csv": stdjson.RawMessage(`{"timeFormat":"x"}`)}}, wantErr: "--out csv: ext.csv: timeFormat"},
		{name: "unknown", spec: "xml=out.xml", wantErr: "invalid output type 'xml'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := New(tt.spec, tt.p)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, o.Description())
		})
	}
}

func TestNewAll(t *testing.T) {
	var out bytes.Buffer
	outs, err := NewAll([]string{"json", "csv=-"}, Params{StdOut: &out})
	require.NoError(t, err)
	require.Len(t, outs, 2)
	_, err = NewAll([]string{"json", "nope"}, Params{})
	require.ErrorContains(t, err, "'nope'")
	outs, err = NewAll(nil, Params{})
	require.NoError(t, err)
	assert.Empty(t, outs)
}

func TestRegisterRefusesMistakes(t *testing.T) {
	ok := func(string, Params) (metrics.Output, error) { return nil, nil }
	assert.PanicsWithValue(t, `output.Register: output "json" is already registered`, func() { Register("json", ok) })
	assert.PanicsWithValue(t, `output.Register: "" is not a valid output name`, func() { Register("", ok) })
	assert.PanicsWithValue(t, `output.Register: "a=b" is not a valid output name`, func() { Register("a=b", ok) })
	assert.PanicsWithValue(t, `output.Register: output "nil-one" has a nil constructor`, func() { Register("nil-one", nil) })
}

func TestRegisteredOutputIsBuiltByName(t *testing.T) {
	var gotArg string
	var gotParams Params
	Register("test-recorder", func(arg string, p Params) (metrics.Output, error) {
		gotArg, gotParams = arg, p
		return nil, errors.New("built")
	})
	assert.Contains(t, Known(), "test-recorder")
	_, err := New("test-recorder=a=b", Params{SystemTags: []string{"vu"}})
	require.EqualError(t, err, "built")
	assert.Equal(t, "a=b", gotArg)
	assert.Equal(t, []string{"vu"}, gotParams.SystemTags)
}
