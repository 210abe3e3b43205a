package grpc

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/grafana/sobek"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// healthStatuses are the grpc.HealthCheck* constants: the serving statuses
// of the Health Checking protocol, with k6's names (its spelling too).
var healthStatuses = map[string]healthpb.HealthCheckResponse_ServingStatus{
	"HealthCheckUnknown":       healthpb.HealthCheckResponse_UNKNOWN,
	"HealthCheckServing":       healthpb.HealthCheckResponse_SERVING,
	"HealthCheckNotServing":    healthpb.HealthCheckResponse_NOT_SERVING,
	"HealthCheckServiceUnkown": healthpb.HealthCheckResponse_SERVICE_UNKNOWN,
}

// healthCheck is Client.healthCheck([service]): grpc.health.v1.Health/Check
// for the service (the whole server when there is none), as a Response whose
// message's status is one of the grpc.HealthCheck* numbers. Its
// grpc_req_duration sample has the VU's tags and the status (and the ip), as
// k6 tags the calls it makes on its own.
func (c *client) healthCheck(service sobek.Value) *sobek.Object {
	m := c.m
	st := m.vu.State()
	if st == nil {
		m.throw(errors.New("checking the health of a gRPC server in the init context is not supported"))
	}
	if c.conn == nil {
		m.throw(errors.New("no gRPC connection, you must call connect first"))
	}
	req := &healthpb.HealthCheckRequest{}
	if !nullish(service) {
		req.Service = service.String()
	}
	ctx, cancel := context.WithTimeout(m.vu.Context(), defaultInvokeTimeout)
	defer cancel()
	var header, trailer metadata.MD
	var pr peer.Peer
	resp := &healthpb.HealthCheckResponse{}
	start := time.Now()
	err := c.conn.Invoke(ctx, healthpb.Health_Check_FullMethodName, req, resp,
		grpc.Header(&header), grpc.Trailer(&trailer), grpc.Peer(&pr))
	end := time.Now()
	m.countData(st)
	code := status.Code(err)
	if m.vu.Context().Err() == nil { // no sample while the run is stopping
		tags := st.Tags.TagSet()
		if st.SystemTags.Has("status") {
			tags = tags.With("status", statusString(code))
		}
		if wantsIP(st) && pr.Addr != nil {
			if ip, _, err := net.SplitHostPort(pr.Addr.String()); err == nil {
				tags = tags.With("ip", ip)
			}
		}
		emit(st, m.m.reqDuration, tags, end, ms(end.Sub(start)))
	}
	obj := m.rt.NewObject()
	_ = obj.Set("status", int(code))
	message, errValue := sobek.Null(), sobek.Null()
	if code == codes.OK {
		msg := m.rt.NewObject()
		_ = msg.Set("status", int(resp.GetStatus()))
		message = msg
	} else {
		errValue = m.statusObject(c, err)
	}
	_ = obj.Set("message", message)
	_ = obj.Set("headers", m.metadataObject(header))
	_ = obj.Set("trailers", m.metadataObject(trailer))
	_ = obj.Set("error", errValue)
	return obj
}
