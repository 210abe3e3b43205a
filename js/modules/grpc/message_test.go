package grpc

import (
	"context"
	"testing"

	"github.com/bufbuild/protocompile"
	"github.com/grafana/sobek"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

const everyKind = `syntax = "proto3";
package kinds;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
enum Color { RED = 0; GREEN = 1; BLUE = 2; }
message Inner { string s = 1; repeated int32 n = 2; }
message All {
  bool b = 1; string s = 2; int32 i32 = 3; sint32 si32 = 4; sfixed32 sf32 = 5;
  uint32 u32 = 6; fixed32 f32 = 7; int64 i64 = 8; sint64 si64 = 9; uint64 u64 = 10;
  fixed64 f64 = 11; sfixed64 sf64 = 12; float fl = 13; double db = 14; bytes by = 15;
  Color color = 16; Inner inner = 17; repeated Inner inners = 18; repeated string strs = 19;
  map<string, int32> counts = 20; map<int32, string> names = 21; map<string, Inner> nested = 22;
  oneof choice { string word = 23; int32 number = 24; Inner thing = 25; }
  optional int32 maybe = 26; google.protobuf.Timestamp at = 27; google.protobuf.Int32Value wrapped = 28;
  repeated Color colors = 29; int32 snake_case_name = 30;
}`

// kinds compiles everyKind and returns the All message and a client that
// knows its types.
func kinds(t *testing.T) (protoreflect.MessageDescriptor, *client) {
	t.Helper()
	comp := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: protocompile.SourceAccessorFromMap(map[string]string{"kinds.proto": everyKind}),
	})}
	files, err := comp.Compile(context.Background(), "kinds.proto")
	require.NoError(t, err)
	rt := sobek.New()
	c := &client{m: &Module{rt: rt}, methods: map[string]*method{}, types: new(protoregistry.Types)}
	res := typeResolver{c.types}
	c.toProto = protojson.UnmarshalOptions{Resolver: res}
	c.fromProto = protojson.MarshalOptions{Resolver: res, EmitUnpopulated: true}
	c.register([]protoreflect.FileDescriptor{files[0]})
	return files[0].Messages().ByName("All"), c
}

// The direct conversions agree with protojson: what they take is what
// protojson makes of JSON.stringify's text, and what they build is what
// JSON.parse makes of protojson's.
func TestMessageConversionMatchesProtojson(t *testing.T) {
	t.Parallel()
	md, c := kinds(t)
	rt := c.m.rt
	mt := &method{in: dynamicpb.NewMessageType(md)}
	for _, src := range []string{
		`({})`,
		`({b: true, s: "héllo", i32: -5, si32: -6, sf32: 7, u32: 4294967295, f32: 9, i64: 9007199254740991, si64: -3,
		   u64: 12, f64: 13, sf64: -14, fl: 0.1, db: 1.5e300, color: "BLUE", inner: {s: "x", n: [1, 2]},
		   inners: [{s: "a"}, {n: [3]}], strs: ["p", "q"], counts: {z: 1, a: 2}, nested: {k: {s: "v"}},
		   word: "w", maybe: 0, colors: ["GREEN", 2], snake_case_name: 4})`,
		`({snakeCaseName: 4, number: 3, color: 1, inner: null, maybe: 7, skipped: undefined, fn() {}})`,
		`({thing: {s: "t"}, names: {"3": "c", "1": "a"}, by: "AQID", at: "2024-01-02T03:04:05Z", wrapped: 5})`,
		`({i64: "123456789012345678", u64: "18446744073709551615", fl: "Infinity", db: "NaN"})`,
		`({i32: 1.5})`, `({i32: "7"})`, `({i32: 4294967296})`, `({color: "PURPLE"})`, `({nope: 1})`,
		`({word: "a", number: 1})`, `({inner: []})`, `({strs: [null]})`, `({strs: "x"})`, `({counts: {a: null}})`,
		`({i64: 2 ** 62})`, `({s: 5})`, `({b: 1})`, `({inner: new Date(0)})`, `({snake_case_name: 1, snakeCaseName: 2})`,
		`({wrapped: null, at: null})`, `({fl: 3.4e39})`,
	} {
		v, err := rt.RunString(src)
		require.NoError(t, err, src)
		js, err := c.m.toJSON(v)
		require.NoError(t, err, src)
		want := dynamicpb.NewMessage(md)
		wantErr := c.toProto.Unmarshal([]byte(js), want)
		got, gotErr := c.toMessage(mt, v)
		if wantErr != nil {
			require.Error(t, gotErr, src)
			assert.Equal(t, wantErr.Error(), gotErr.Error(), src)
			continue
		}
		require.NoError(t, gotErr, src)
		assert.True(t, proto.Equal(want, got), "%s\nwant %v\n got %v", src, want, got)

		text, err := c.fromProto.Marshal(got)
		require.NoError(t, err)
		parsed, err := c.m.fromJSON(text)
		require.NoError(t, err)
		built, ok := c.messageValue(got.ProtoReflect())
		if !ok {
			built, err = c.fromMessage(got.ProtoReflect())
			require.NoError(t, err)
		}
		wantJS, err := c.m.toJSON(parsed)
		require.NoError(t, err)
		gotJS, err := c.m.toJSON(built)
		require.NoError(t, err)
		assert.Equal(t, wantJS, gotJS, src)
	}
}

// The direct way is taken for the common shapes.
func TestMessageConversionDirect(t *testing.T) {
	t.Parallel()
	md, c := kinds(t)
	v, err := c.m.rt.RunString(`({b: true, s: "x", i32: 1, i64: 2, color: "RED", inner: {s: "y"}, inners: [{s: "z"}], counts: {a: 1}, word: "w"})`)
	require.NoError(t, err)
	msg := dynamicpb.NewMessage(md)
	assert.True(t, setFields(msg, v.(*sobek.Object)))
	_, ok := c.messageValue(msg)
	assert.True(t, ok)
}
