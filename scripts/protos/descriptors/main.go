// Writes the FileDescriptorSet of the Envoy API types Attaché uses, read from the raw
// descriptors go-control-plane embeds in its generated Go packages (one per proto file).
// The set holds the files below and everything they import, dependencies first, as a
// protoc plugin expects them. Usage: go run . <output.binpb>
package main

import (
	"fmt"
	"os"
	"sort"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	_ "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/file/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/cors/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/custom_response/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_authz/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/local_ratelimit/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/http/custom_response/local_response_policy/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/regex_engines/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/resource_monitors/downstream_connections/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
)

// The files whose types Attaché writes, serves or reads; their imports come along.
var roots = []string{
	"envoy/config/bootstrap/v3/bootstrap.proto",
	"envoy/config/cluster/v3/cluster.proto",
	"envoy/config/endpoint/v3/endpoint.proto",
	"envoy/config/listener/v3/listener.proto",
	"envoy/config/route/v3/route.proto",
	"envoy/config/route/v3/route_components.proto",
	"envoy/config/route/v3/scoped_route.proto",
	"envoy/config/core/v3/extension.proto",
	"envoy/extensions/access_loggers/file/v3/file.proto",
	"envoy/extensions/access_loggers/stream/v3/stream.proto",
	"envoy/extensions/filters/http/cors/v3/cors.proto",
	"envoy/extensions/filters/http/custom_response/v3/custom_response.proto",
	"envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto",
	"envoy/extensions/filters/http/fault/v3/fault.proto",
	"envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto",
	"envoy/extensions/filters/http/router/v3/router.proto",
	"envoy/extensions/filters/http/wasm/v3/wasm.proto",
	"envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto",
	"envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
	"envoy/extensions/http/custom_response/local_response_policy/v3/local_response_policy.proto",
	"envoy/extensions/regex_engines/v3/google_re2.proto",
	"envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections.proto",
	"envoy/extensions/transport_sockets/tls/v3/secret.proto",
	"envoy/extensions/transport_sockets/tls/v3/tls.proto",
	"envoy/extensions/upstreams/http/v3/http_protocol_options.proto",
	"envoy/extensions/wasm/v3/wasm.proto",
	"envoy/service/auth/v3/external_auth.proto",
	"envoy/service/discovery/v3/ads.proto",
	"envoy/service/discovery/v3/discovery.proto",
	"envoy/type/matcher/v3/status_code_input.proto",
	"google/protobuf/wrappers.proto",
	"google/protobuf/struct.proto",
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: descriptors <output.binpb>")
		os.Exit(2)
	}
	set := &descriptorpb.FileDescriptorSet{}
	seen := map[string]bool{}
	var add func(path string)
	add = func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		file, err := protoregistry.GlobalFiles.FindFileByPath(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			os.Exit(1)
		}
		imports := file.Imports()
		names := make([]string, 0, imports.Len())
		for i := 0; i < imports.Len(); i++ {
			names = append(names, imports.Get(i).Path())
		}
		sort.Strings(names)
		for _, name := range names {
			add(name)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(file))
	}
	sorted := append([]string(nil), roots...)
	sort.Strings(sorted)
	for _, root := range sorted {
		add(root)
	}
	bytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(set)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[1], bytes, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

