package grpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/bufbuild/protocompile"
	"github.com/grafana/sobek"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

var errLoadInit = errors.New("load must be called in the init context")

// method is one RPC method of a client's loaded definitions.
type method struct {
	path    string // "/package.Service/Method", the gRPC path
	service string // "package.Service"
	name    string // "Method"
	desc    protoreflect.MethodDescriptor
	in, out protoreflect.MessageType
	stream  *grpc.StreamDesc
}

// load is Client.load(importPaths, ...files): it compiles .proto files (their
// imports searched in importPaths, relative to the script; the well-known
// google/protobuf files are built in) and returns the methods they define.
func (c *client) load(importPaths sobek.Value, files ...string) sobek.Value {
	m := c.m
	if m.vu.State() != nil {
		m.throw(errLoadInit)
	}
	var dirs []string
	if !sobek.IsUndefined(importPaths) && !sobek.IsNull(importPaths) {
		if err := m.rt.ExportTo(importPaths, &dirs); err != nil {
			m.throw(fmt.Errorf("importPaths must be an array of strings: %w", err))
		}
	}
	compiled, err := m.compile(dirs, files)
	if err != nil {
		m.throw(err)
	}
	// The files are built again by protobuf-go's own descriptors, whose
	// lookups cost nothing on every message (protocompile's allocate).
	infos, err := c.registerSet(fileSet(compiled))
	if err != nil {
		m.throw(err)
	}
	return m.rt.ToValue(infos)
}

// fileSet is fds and everything they import, as a FileDescriptorSet.
func fileSet(fds []protoreflect.FileDescriptor) *descriptorpb.FileDescriptorSet {
	set := &descriptorpb.FileDescriptorSet{}
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		imports := fd.Imports()
		for i := range imports.Len() {
			add(imports.Get(i).FileDescriptor)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	for _, fd := range fds {
		add(fd)
	}
	return set
}

// loadProtoset is Client.loadProtoset(file): the methods of a serialized
// FileDescriptorSet (protoc --descriptor_set_out --include_imports).
func (c *client) loadProtoset(name string) sobek.Value {
	m := c.m
	if m.vu.State() != nil {
		m.throw(errLoadInit)
	}
	data, err := m.vu.InitEnv().ReadFile(name)
	if err != nil {
		m.throw(fmt.Errorf("couldn't open protoset: %w", err))
	}
	set := &descriptorpb.FileDescriptorSet{}
	if err := proto.Unmarshal(data, set); err != nil {
		m.throw(fmt.Errorf("couldn't unmarshal protoset file %s: %w", name, err))
	}
	infos, err := c.registerSet(set)
	if err != nil {
		m.throw(err)
	}
	return m.rt.ToValue(infos)
}

// fileRead is the compiler's request for a file, served on the VU's goroutine
// (where InitEnv.ReadFile must run).
type fileRead struct {
	name  string
	reply chan fileReadResult
}

type fileReadResult struct {
	data []byte
	err  error
}

// compile parses and links files with protocompile. The compiler works on
// goroutines of its own; they ask the VU's goroutine for the files.
func (m *Module) compile(importPaths, files []string) ([]protoreflect.FileDescriptor, error) {
	reads := make(chan fileRead)
	stop := make(chan struct{}) // closed when compile returns: late reads give up
	defer close(stop)
	read := func(name string) ([]byte, error) {
		r := fileRead{name: name, reply: make(chan fileReadResult, 1)}
		select {
		case reads <- r:
		case <-stop:
			return nil, errors.New("the compilation is over")
		}
		res := <-r.reply
		return res.data, res.err
	}
	resolver := protocompile.ResolverFunc(func(file string) (protocompile.SearchResult, error) {
		candidates := []string{file}
		if len(importPaths) > 0 {
			candidates = candidates[:0]
			for _, dir := range importPaths {
				candidates = append(candidates, path.Join(dir, file))
			}
		}
		var firstErr error
		for _, name := range candidates {
			data, err := read(name)
			if err == nil {
				return protocompile.SearchResult{Source: bytes.NewReader(data)}, nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		return protocompile.SearchResult{}, firstErr
	})
	compiler := protocompile.Compiler{Resolver: protocompile.WithStandardImports(resolver)}
	type result struct {
		fds []protoreflect.FileDescriptor
		err error
	}
	done := make(chan result, 1)
	go func() {
		linked, err := compiler.Compile(context.Background(), files...)
		fds := make([]protoreflect.FileDescriptor, 0, len(linked))
		for _, f := range linked {
			if f != nil {
				fds = append(fds, f)
			}
		}
		done <- result{fds, err}
	}()
	readFile := m.vu.InitEnv().ReadFile
	for {
		select {
		case r := <-reads:
			data, err := readFile(r.name)
			r.reply <- fileReadResult{data, err}
		case res := <-done:
			return res.fds, res.err
		}
	}
}

// registerSet makes the files of set (which must hold every import) the
// client's.
func (c *client) registerSet(set *descriptorpb.FileDescriptorSet) ([]map[string]any, error) {
	files, err := protodesc.NewFiles(set)
	if err != nil {
		return nil, err
	}
	var fds []protoreflect.FileDescriptor
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		fds = append(fds, fd)
		return true
	})
	return c.register(fds), nil
}

// register adds the services and message types of fds and of their imports
// to the client's, and returns k6's description of each method found.
func (c *client) register(fds []protoreflect.FileDescriptor) []map[string]any {
	seen := map[string]bool{}
	var infos []map[string]any
	var walk func(fd protoreflect.FileDescriptor)
	walk = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		c.registerTypes(fd.Messages(), fd.Extensions())
		services := fd.Services()
		for i := range services.Len() {
			sd := services.Get(i)
			methods := sd.Methods()
			for j := range methods.Len() {
				mt := c.addMethod(sd, methods.Get(j))
				infos = append(infos, map[string]any{
					"package":          string(fd.Package()),
					"service":          string(sd.Name()),
					"full_method":      mt.path,
					"name":             mt.name,
					"is_client_stream": mt.desc.IsStreamingClient(),
					"is_server_stream": mt.desc.IsStreamingServer(),
				})
			}
		}
		imports := fd.Imports()
		for i := range imports.Len() {
			walk(imports.Get(i).FileDescriptor)
		}
	}
	for _, fd := range fds {
		walk(fd)
	}
	return infos
}

// addMethod records md of service sd, by its path with and without the
// leading slash.
func (c *client) addMethod(sd protoreflect.ServiceDescriptor, md protoreflect.MethodDescriptor) *method {
	mt := &method{
		path:    "/" + string(sd.FullName()) + "/" + string(md.Name()),
		service: string(sd.FullName()),
		name:    string(md.Name()),
		desc:    md,
		in:      dynamicpb.NewMessageType(md.Input()),
		out:     dynamicpb.NewMessageType(md.Output()),
		stream: &grpc.StreamDesc{
			StreamName:    string(md.Name()),
			ServerStreams: md.IsStreamingServer(),
			ClientStreams: md.IsStreamingClient(),
		},
	}
	c.methods[mt.path] = mt
	c.methods[mt.path[1:]] = mt
	return mt
}

// registerTypes adds the message types (nested ones too) and extensions to
// the client's resolver, for protojson's Any and extension fields.
func (c *client) registerTypes(msgs protoreflect.MessageDescriptors, exts protoreflect.ExtensionDescriptors) {
	for i := range exts.Len() {
		xd := exts.Get(i)
		if _, err := c.types.FindExtensionByName(xd.FullName()); errors.Is(err, protoregistry.NotFound) {
			_ = c.types.RegisterExtension(dynamicpb.NewExtensionType(xd))
		}
	}
	for i := range msgs.Len() {
		md := msgs.Get(i)
		if _, err := c.types.FindMessageByName(md.FullName()); errors.Is(err, protoregistry.NotFound) {
			_ = c.types.RegisterMessage(dynamicpb.NewMessageType(md))
		}
		c.registerTypes(md.Messages(), md.Extensions())
	}
}
