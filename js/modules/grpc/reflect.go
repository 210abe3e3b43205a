package grpc

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// reflectionPaths are the reflection service's method, in v1 then in
// v1alpha, whose messages are the same on the wire: a server that has only the
// older one is asked there.
var reflectionPaths = [...]string{
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
}

var reflectionDesc = &grpc.StreamDesc{StreamName: "ServerReflectionInfo", ServerStreams: true, ClientStreams: true}

// reflectionStream is one conversation with the server's reflection service.
type reflectionStream struct {
	grpc.ClientStream
}

func (s reflectionStream) ask(req *rpb.ServerReflectionRequest) (*rpb.ServerReflectionResponse, error) {
	if err := s.SendMsg(req); err != nil {
		if errors.Is(err, io.EOF) {
			// The stream ended before the request went out (a server
			// without this service may answer that fast): its status,
			// which RecvMsg gives, says why.
			if rerr := s.RecvMsg(&rpb.ServerReflectionResponse{}); rerr != nil && !errors.Is(rerr, io.EOF) {
				err = rerr
			}
		}
		return nil, fmt.Errorf("can't send request: %w", err)
	}
	resp := &rpb.ServerReflectionResponse{}
	if err := s.RecvMsg(resp); err != nil {
		return nil, fmt.Errorf("can't receive response: %w", err)
	}
	if e := resp.GetErrorResponse(); e != nil {
		return nil, status.Error(codes.Code(e.GetErrorCode()), e.GetErrorMessage())
	}
	return resp, nil
}

// reflect asks the server for its services and the files that define them
// (with their imports), as connect({reflect: true}) does.
func (c *client) reflect(ctx context.Context) (*descriptorpb.FileDescriptorSet, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var s reflectionStream
	var list *rpb.ServerReflectionResponse
	listReq := &rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_ListServices{}}
	for i, path := range reflectionPaths {
		cs, err := c.conn.NewStream(ctx, reflectionDesc, path)
		if err != nil {
			return nil, fmt.Errorf("can't get server info: %w", err)
		}
		s = reflectionStream{cs}
		if list, err = s.ask(listReq); err == nil {
			break
		}
		if i == 0 && status.Code(err) == codes.Unimplemented {
			continue
		}
		return nil, fmt.Errorf("can't list services: %w", err)
	}
	services := list.GetListServicesResponse()
	if services == nil {
		return nil, fmt.Errorf("can't list services, nil response")
	}
	set := &descriptorpb.FileDescriptorSet{}
	seen := map[string]bool{}
	add := func(resp *rpb.ServerReflectionResponse, what string) error {
		for _, raw := range resp.GetFileDescriptorResponse().GetFileDescriptorProto() {
			fd := &descriptorpb.FileDescriptorProto{}
			if err := proto.Unmarshal(raw, fd); err != nil {
				return fmt.Errorf("can't unmarshal proto on %s: %w", what, err)
			}
			if !seen[fd.GetName()] {
				seen[fd.GetName()] = true
				set.File = append(set.File, fd)
			}
		}
		return nil
	}
	for _, svc := range services.GetService() {
		resp, err := s.ask(&rpb.ServerReflectionRequest{
			MessageRequest: &rpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: svc.GetName()},
		})
		if err == nil {
			err = add(resp, fmt.Sprintf("service %q", svc.GetName()))
		}
		if err != nil {
			return nil, fmt.Errorf("can't resolve services' file descriptors: can't get method on service %q: %w", svc.GetName(), err)
		}
	}
	// The imports the server has not sent along.
	for i := 0; i < len(set.File); i++ {
		for _, dep := range set.File[i].GetDependency() {
			if seen[dep] {
				continue
			}
			resp, err := s.ask(&rpb.ServerReflectionRequest{
				MessageRequest: &rpb.ServerReflectionRequest_FileByFilename{FileByFilename: dep},
			})
			if err == nil {
				err = add(resp, fmt.Sprintf("file %q", dep))
			}
			if err != nil {
				return nil, fmt.Errorf("can't resolve services' file descriptors: can't get file %q: %w", dep, err)
			}
		}
	}
	_ = s.CloseSend()
	return set, nil
}
