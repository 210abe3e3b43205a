// Package metricspb is the protobuf body of a k6 cloud metrics push
// (POST {host}/v2/metrics/{ref}, `package metrics` on the wire): the MetricSet
// message and its parts, generated from metrics.proto, plus Encode and Decode,
// which add and remove the snappy block compression the push is sent with.
//
// metrics.pb.go is generated and checked in; after changing metrics.proto, run
// `go generate ./cloud/metricspb/` with protoc and protoc-gen-go (the version of
// google.golang.org/protobuf in go.mod) on PATH.
package metricspb

//go:generate protoc --go_out=. --go_opt=paths=source_relative metrics.proto
