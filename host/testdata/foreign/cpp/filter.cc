// A proxy-wasm HTTP filter in C++, built with clang + wasi-libc + libc++ for wasm32-wasi, to
// prove host/ runs modules from the C/C++ toolchain (see ../README.md).
//
// NOT the proxy-wasm C++ SDK, which builds with Emscripten: so that Debian's clang alone builds
// it, this file is written directly against the ABI (docs/proxy-wasm-abi.md) in the shape the SDK
// (proxy-wasm/proxy-wasm-cpp-sdk at ABI 0.2.0: proxy_wasm_intrinsics.cc, proxy_wasm_api.h)
// produces: the marker `proxy_abi_version_0_2_0`, `malloc` exported (the SDK's Makefile passes
// EXPORTED_FUNCTIONS=['_malloc']) so the host hands data over through libc's allocator and the
// module frees it with ::free (WasmData); context factories registered by static constructors
// (so `_initialize` must run before the first callback); the root context found through the
// `plugin_root_id` property; property paths with a NUL after every segment (the SDK's
// getProperty); HTTP callouts issued through the root context (`root()->httpCall`) and answered
// by `proxy_on_http_call_response(root_context_id, ...)`, the callback making the stream
// effective again (getContext(id)->setEffectiveContext()). No proxy_get_log_level: it is 0.2.1.
// WASI as libc brings it: printf + fflush (stdout is fully buffered, fd_fdstat_get does not
// report a terminal), fprintf(stderr), std::chrono::system_clock (clock_time_get).
//
// The filter does what ../rust/filter.rs does, with `cpp` in the names: `key=value`
// configuration (`authz_cluster` required, `deny_route`); request headers read
// `xds.route_name` and `x-user`, 403 for the denied route, 401 without a user, else remove
// `x-internal-token`, replace `x-forwarded-user`, add `x-route`, `x-filter: cpp`,
// `x-started-at`, read `visits/<user>` with its CAS and pause on a callout to `authz_cluster`;
// 200 adds `x-authz-subject` and continues, anything else is a 403; response headers write the
// count with the CAS (`x-visits` or `x-visits-conflict: retry`). Metrics
// cpp_filter_{requests,denied,cas_conflicts}_total and gauge cpp_filter_active_streams.
// `x-panic` logs at critical and aborts (the VM fails).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

// ---- the ABI (proxy_wasm_enums.h, proxy_wasm_externs.h) ----

enum class WasmResult : uint32_t { Ok = 0, NotFound = 1, BadArgument = 2, CasMismatch = 8 };
enum class LogLevel : uint32_t { trace, debug, info, warn, error, critical };
enum class WasmHeaderMapType : uint32_t { RequestHeaders = 0, ResponseHeaders = 2, HttpCallResponseHeaders = 6 };
enum class WasmBufferType : uint32_t { HttpCallResponseBody = 4, PluginConfiguration = 7 };
enum class WasmStreamType : uint32_t { Request = 0 };
enum class MetricType : uint32_t { Counter = 0, Gauge = 1 };
enum class FilterHeadersStatus : uint32_t { Continue = 0, StopIteration = 1 };
enum class FilterDataStatus : uint32_t { Continue = 0 };
enum class FilterTrailersStatus : uint32_t { Continue = 0 };
enum class FilterStatus : uint32_t { Continue = 0 };

#define IMPORT(name) extern "C" __attribute__((import_module("env"), import_name(#name)))
IMPORT(proxy_log) WasmResult proxy_log(LogLevel level, const char *message, size_t size);
IMPORT(proxy_get_property) WasmResult proxy_get_property(const char *path, size_t path_size, const char **value, size_t *value_size);
IMPORT(proxy_get_buffer_bytes) WasmResult proxy_get_buffer_bytes(WasmBufferType type, uint32_t start, uint32_t length, const char **ptr, size_t *size);
IMPORT(proxy_get_header_map_value) WasmResult proxy_get_header_map_value(WasmHeaderMapType type, const char *key, size_t key_size, const char **value, size_t *value_size);
IMPORT(proxy_add_header_map_value) WasmResult proxy_add_header_map_value(WasmHeaderMapType type, const char *key, size_t key_size, const char *value, size_t value_size);
IMPORT(proxy_replace_header_map_value) WasmResult proxy_replace_header_map_value(WasmHeaderMapType type, const char *key, size_t key_size, const char *value, size_t value_size);
IMPORT(proxy_remove_header_map_value) WasmResult proxy_remove_header_map_value(WasmHeaderMapType type, const char *key, size_t key_size);
IMPORT(proxy_send_local_response) WasmResult proxy_send_local_response(uint32_t status, const char *details, size_t details_size, const char *body, size_t body_size, const char *headers, size_t headers_size, int32_t grpc_status);
IMPORT(proxy_get_shared_data) WasmResult proxy_get_shared_data(const char *key, size_t key_size, const char **value, size_t *value_size, uint32_t *cas);
IMPORT(proxy_set_shared_data) WasmResult proxy_set_shared_data(const char *key, size_t key_size, const char *value, size_t value_size, uint32_t cas);
IMPORT(proxy_http_call) WasmResult proxy_http_call(const char *uri, size_t uri_size, const char *headers, size_t headers_size, const char *body, size_t body_size, const char *trailers, size_t trailers_size, uint32_t timeout_ms, uint32_t *token);
IMPORT(proxy_set_effective_context) WasmResult proxy_set_effective_context(uint32_t context_id);
IMPORT(proxy_continue_stream) WasmResult proxy_continue_stream(WasmStreamType type);
IMPORT(proxy_define_metric) WasmResult proxy_define_metric(MetricType type, const char *name, size_t name_size, uint32_t *id);
IMPORT(proxy_increment_metric) WasmResult proxy_increment_metric(uint32_t id, int64_t offset);

#define EXPORT(name) extern "C" __attribute__((export_name(#name)))

// ---- SDK-shaped helpers (proxy_wasm_api.h) ----

// A result the host allocated with our exported malloc; freed here, as the SDK's WasmData does.
class WasmData {
public:
  WasmData(const char *data, size_t size) : data_(data), size_(size) {}
  ~WasmData() { ::free(const_cast<char *>(data_)); }
  WasmData(const WasmData &) = delete;
  std::string_view view() const { return {data_, size_}; }
  std::string toString() const { return std::string(view()); }

private:
  const char *data_;
  size_t size_;
};
using WasmDataPtr = std::unique_ptr<WasmData>;

#define CHECK_RESULT(call)                                                                         \
  if ((call) != WasmResult::Ok) abort()

inline void logAt(LogLevel level, std::string_view message) { proxy_log(level, message.data(), message.size()); }

inline WasmDataPtr getProperty(std::initializer_list<std::string_view> parts) {
  std::string path;
  for (auto part : parts) {
    path.append(part);
    path.push_back('\0'); // every segment NUL-terminated, the last one too
  }
  const char *value = nullptr;
  size_t size = 0;
  if (proxy_get_property(path.data(), path.size(), &value, &size) != WasmResult::Ok) return nullptr;
  return std::make_unique<WasmData>(value, size);
}

inline WasmDataPtr getBufferBytes(WasmBufferType type, uint32_t start, uint32_t length) {
  const char *ptr = nullptr;
  size_t size = 0;
  if (proxy_get_buffer_bytes(type, start, length, &ptr, &size) != WasmResult::Ok) return nullptr;
  return std::make_unique<WasmData>(ptr, size);
}

inline WasmDataPtr getHeaderMapValue(WasmHeaderMapType type, std::string_view key) {
  const char *value = nullptr;
  size_t size = 0;
  if (proxy_get_header_map_value(type, key.data(), key.size(), &value, &size) != WasmResult::Ok) return nullptr;
  return std::make_unique<WasmData>(value, size);
}

inline void addRequestHeader(std::string_view key, std::string_view value) {
  proxy_add_header_map_value(WasmHeaderMapType::RequestHeaders, key.data(), key.size(), value.data(), value.size());
}

using HeaderStringPairs = std::vector<std::pair<std::string, std::string>>;

// The pair format: u32 count, (u32 key size, u32 value size) per pair, then key\0 value\0 each.
inline std::string exportPairs(const HeaderStringPairs &pairs) {
  std::string out;
  auto u32 = [&out](uint32_t v) { out.append(reinterpret_cast<const char *>(&v), 4); };
  u32(pairs.size());
  for (auto &p : pairs) { u32(p.first.size()); u32(p.second.size()); }
  for (auto &p : pairs) { out.append(p.first); out.push_back('\0'); out.append(p.second); out.push_back('\0'); }
  return out;
}

inline void sendLocalResponse(uint32_t status, std::string_view body, const HeaderStringPairs &headers) {
  auto serialized = exportPairs(headers);
  proxy_send_local_response(status, nullptr, 0, body.data(), body.size(), serialized.data(), serialized.size(), -1);
}

inline uint32_t defineMetric(MetricType type, std::string_view name) {
  uint32_t id = 0;
  CHECK_RESULT(proxy_define_metric(type, name.data(), name.size(), &id));
  return id;
}

// ---- the SDK's context classes and dispatch (proxy_wasm_intrinsics.cc) ----

class RootContext;
class Context;
using HttpCallCallback = std::function<void(uint32_t headers, size_t body_size, uint32_t trailers)>;

class ContextBase {
public:
  explicit ContextBase(uint32_t id) : id_(id) {}
  virtual ~ContextBase() = default;
  uint32_t id() const { return id_; }
  virtual RootContext *asRoot() { return nullptr; }
  virtual Context *asContext() { return nullptr; }
  virtual void onCreate() {}
  virtual bool onDone() { return true; }
  virtual void onDelete() {}
  WasmResult setEffectiveContext() { return proxy_set_effective_context(id_); }

private:
  uint32_t id_;
};

class RootContext : public ContextBase {
public:
  RootContext(uint32_t id, std::string_view root_id) : ContextBase(id), root_id_(root_id) {}
  RootContext *asRoot() override { return this; }
  virtual bool onStart(size_t) { return true; }
  virtual bool onConfigure(size_t) { return true; }

  // The call belongs to the root context (cpp-host's http_call uses the root of the caller),
  // so the answer arrives as proxy_on_http_call_response(<this root's id>, token, ...).
  WasmResult httpCall(std::string_view cluster, const HeaderStringPairs &headers, uint32_t timeout_ms, HttpCallCallback callback) {
    auto h = exportPairs(headers);
    auto t = exportPairs({});
    uint32_t token = 0;
    auto result = proxy_http_call(cluster.data(), cluster.size(), h.data(), h.size(), nullptr, 0, t.data(), t.size(), timeout_ms, &token);
    if (result == WasmResult::Ok) http_calls_[token] = std::move(callback);
    return result;
  }
  void onHttpCallResponse(uint32_t token, uint32_t headers, size_t body_size, uint32_t trailers) {
    auto it = http_calls_.find(token);
    if (it == http_calls_.end()) return;
    auto callback = std::move(it->second);
    http_calls_.erase(it);
    callback(headers, body_size, trailers);
  }

private:
  std::string root_id_;
  std::unordered_map<uint32_t, HttpCallCallback> http_calls_;
};

class Context : public ContextBase {
public:
  Context(uint32_t id, RootContext *root) : ContextBase(id), root_(root) {}
  Context *asContext() override { return this; }
  RootContext *root() const { return root_; }
  virtual FilterHeadersStatus onRequestHeaders(uint32_t, bool) { return FilterHeadersStatus::Continue; }
  virtual FilterHeadersStatus onResponseHeaders(uint32_t, bool) { return FilterHeadersStatus::Continue; }
  virtual void onLog() {}

private:
  RootContext *root_;
};

using RootFactory = std::function<std::unique_ptr<RootContext>(uint32_t, std::string_view)>;
using ContextFactory = std::function<std::unique_ptr<Context>(uint32_t, RootContext *)>;
static RootFactory *root_factory = nullptr;
static ContextFactory *context_factory = nullptr;
static std::unordered_map<uint32_t, std::unique_ptr<ContextBase>> context_map;

// Filled by a static constructor: only runs if the host calls `_initialize` first.
struct RegisterContextFactory {
  RegisterContextFactory(ContextFactory context, RootFactory root) {
    context_factory = new ContextFactory(std::move(context));
    root_factory = new RootFactory(std::move(root));
  }
};

static ContextBase *getContextBase(uint32_t id) {
  auto it = context_map.find(id);
  return it == context_map.end() ? nullptr : it->second.get();
}
static Context *getContext(uint32_t id) { auto *c = getContextBase(id); return c ? c->asContext() : nullptr; }
static RootContext *getRootContext(uint32_t id) { auto *c = getContextBase(id); return c ? c->asRoot() : nullptr; }

EXPORT(proxy_abi_version_0_2_0) void proxy_abi_version_0_2_0() {}

EXPORT(proxy_on_context_create) void proxy_on_context_create(uint32_t context_id, uint32_t parent_context_id) {
  if (parent_context_id) {
    context_map[context_id] = (*context_factory)(context_id, getRootContext(parent_context_id));
  } else {
    const char *root_id = nullptr;
    size_t root_id_size = 0;
    CHECK_RESULT(proxy_get_property("plugin_root_id", sizeof("plugin_root_id") - 1, &root_id, &root_id_size));
    WasmData id(root_id, root_id_size);
    context_map[context_id] = (*root_factory)(context_id, id.view());
  }
  context_map[context_id]->onCreate();
}
EXPORT(proxy_on_vm_start) uint32_t proxy_on_vm_start(uint32_t id, uint32_t size) { return getRootContext(id)->onStart(size); }
EXPORT(proxy_on_configure) uint32_t proxy_on_configure(uint32_t id, uint32_t size) { return getRootContext(id)->onConfigure(size) ? 1 : 0; }
EXPORT(proxy_on_request_headers) FilterHeadersStatus proxy_on_request_headers(uint32_t id, uint32_t headers, uint32_t end_of_stream) {
  return getContext(id)->onRequestHeaders(headers, end_of_stream != 0);
}
EXPORT(proxy_on_response_headers) FilterHeadersStatus proxy_on_response_headers(uint32_t id, uint32_t headers, uint32_t end_of_stream) {
  return getContext(id)->onResponseHeaders(headers, end_of_stream != 0);
}
EXPORT(proxy_on_request_body) FilterDataStatus proxy_on_request_body(uint32_t, uint32_t, uint32_t) { return FilterDataStatus::Continue; }
EXPORT(proxy_on_response_body) FilterDataStatus proxy_on_response_body(uint32_t, uint32_t, uint32_t) { return FilterDataStatus::Continue; }
EXPORT(proxy_on_request_trailers) FilterTrailersStatus proxy_on_request_trailers(uint32_t, uint32_t) { return FilterTrailersStatus::Continue; }
EXPORT(proxy_on_response_trailers) FilterTrailersStatus proxy_on_response_trailers(uint32_t, uint32_t) { return FilterTrailersStatus::Continue; }
EXPORT(proxy_on_http_call_response) void proxy_on_http_call_response(uint32_t root_context_id, uint32_t token, uint32_t headers, uint32_t body_size, uint32_t trailers) {
  getRootContext(root_context_id)->onHttpCallResponse(token, headers, body_size, trailers);
}
EXPORT(proxy_on_tick) void proxy_on_tick(uint32_t) {}
EXPORT(proxy_on_queue_ready) void proxy_on_queue_ready(uint32_t, uint32_t) {}
EXPORT(proxy_on_foreign_function) void proxy_on_foreign_function(uint32_t, uint32_t, uint32_t) {}
EXPORT(proxy_on_new_connection) FilterStatus proxy_on_new_connection(uint32_t) { return FilterStatus::Continue; }
EXPORT(proxy_on_downstream_data) FilterStatus proxy_on_downstream_data(uint32_t, uint32_t, uint32_t) { return FilterStatus::Continue; }
EXPORT(proxy_on_upstream_data) FilterStatus proxy_on_upstream_data(uint32_t, uint32_t, uint32_t) { return FilterStatus::Continue; }
EXPORT(proxy_on_downstream_connection_close) void proxy_on_downstream_connection_close(uint32_t, uint32_t) {}
EXPORT(proxy_on_upstream_connection_close) void proxy_on_upstream_connection_close(uint32_t, uint32_t) {}
EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t id) { return getContextBase(id)->onDone(); }
EXPORT(proxy_on_log) void proxy_on_log(uint32_t id) { getContext(id)->onLog(); }
EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t id) {
  getContextBase(id)->onDelete();
  context_map.erase(id);
}

// ---- the filter ----

static uint64_t unixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Metrics {
  uint32_t requests, denied, cas_conflicts, active_streams;
};
static Metrics metrics;

class FilterRoot : public RootContext {
public:
  using RootContext::RootContext;
  std::string authz_cluster;
  std::string deny_route;

  bool onStart(size_t) override {
    metrics.requests = defineMetric(MetricType::Counter, "cpp_filter_requests_total");
    metrics.denied = defineMetric(MetricType::Counter, "cpp_filter_denied_total");
    metrics.cas_conflicts = defineMetric(MetricType::Counter, "cpp_filter_cas_conflicts_total");
    metrics.active_streams = defineMetric(MetricType::Gauge, "cpp_filter_active_streams");
    printf("cpp-filter: VM started at %llu\n", static_cast<unsigned long long>(unixSeconds()));
    fflush(stdout);
    return true;
  }

  bool onConfigure(size_t size) override {
    auto config = getBufferBytes(WasmBufferType::PluginConfiguration, 0, size);
    std::string_view text = config ? config->view() : std::string_view();
    while (!text.empty()) {
      auto end = text.find('\n');
      auto line = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
      if (line.empty()) continue;
      auto eq = line.find('=');
      if (eq == std::string_view::npos) {
        fprintf(stderr, "cpp-filter: bad configuration: not key=value: %.*s\n", static_cast<int>(line.size()), line.data());
        return false;
      }
      auto key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "authz_cluster") authz_cluster = std::string(value);
      else if (key == "deny_route") deny_route = std::string(value);
      else fprintf(stderr, "cpp-filter: ignoring unknown setting \"%.*s\"\n", static_cast<int>(key.size()), key.data());
    }
    if (authz_cluster.empty()) {
      fprintf(stderr, "cpp-filter: bad configuration: authz_cluster is required\n");
      return false;
    }
    return true;
  }
};

class Filter : public Context {
public:
  using Context::Context;

  void onCreate() override { proxy_increment_metric(metrics.active_streams, 1); }
  void onDelete() override { proxy_increment_metric(metrics.active_streams, -1); }

  FilterHeadersStatus onRequestHeaders(uint32_t, bool) override {
    auto *settings = static_cast<FilterRoot *>(root());
    auto route_name = getProperty({"xds", "route_name"});
    route_ = route_name ? route_name->toString() : "-";
    if (!settings->deny_route.empty() && route_ == settings->deny_route) return deny(403, "route " + route_ + " is closed\n");
    auto user = getHeaderMapValue(WasmHeaderMapType::RequestHeaders, "x-user");
    if (!user || user->view().empty()) return deny(401, "missing x-user\n");
    user_ = user->toString();
    if (getHeaderMapValue(WasmHeaderMapType::RequestHeaders, "x-panic")) {
      logAt(LogLevel::critical, "cpp-filter: x-panic requested by " + user_);
      abort();
    }
    proxy_remove_header_map_value(WasmHeaderMapType::RequestHeaders, "x-internal-token", strlen("x-internal-token"));
    proxy_replace_header_map_value(WasmHeaderMapType::RequestHeaders, "x-forwarded-user", strlen("x-forwarded-user"), user_.data(), user_.size());
    addRequestHeader("x-route", route_);
    addRequestHeader("x-filter", "cpp");
    addRequestHeader("x-started-at", std::to_string(unixSeconds()));

    const char *value = nullptr;
    size_t size = 0;
    std::string key = "visits/" + user_;
    if (proxy_get_shared_data(key.data(), key.size(), &value, &size, &cas_) == WasmResult::Ok) {
      WasmData stored(value, size);
      visits_ = std::strtoull(stored.toString().c_str(), nullptr, 10);
    }
    proxy_increment_metric(metrics.requests, 1);

    auto context_id = id();
    auto result = root()->httpCall(settings->authz_cluster, {{":method", "GET"}, {":path", "/check?user=" + user_}, {":authority", "authz"}}, 1000,
                                   [context_id](uint32_t headers, size_t body_size, uint32_t) {
                                     auto *self = static_cast<Filter *>(getContext(context_id));
                                     if (!self) return; // the stream ended before the answer
                                     self->setEffectiveContext();
                                     self->onAuthzResponse(headers, body_size);
                                   });
    CHECK_RESULT(result);
    logAt(LogLevel::info, "cpp-filter: checking " + user_ + " on " + route_);
    return FilterHeadersStatus::StopIteration;
  }

  void onAuthzResponse(uint32_t headers, size_t body_size) {
    if (headers == 0) {
      deny(503, "authz unavailable\n");
      return;
    }
    auto status = getHeaderMapValue(WasmHeaderMapType::HttpCallResponseHeaders, ":status");
    auto body = getBufferBytes(WasmBufferType::HttpCallResponseBody, 0, body_size);
    std::string text = body ? body->toString() : "";
    if (status && status->view() == "200") {
      while (!text.empty() && text.back() == '\n') text.pop_back();
      addRequestHeader("x-authz-subject", text);
      proxy_continue_stream(WasmStreamType::Request);
    } else {
      deny(403, "authz said " + (status ? status->toString() : std::string("?")) + ": " + text);
    }
  }

  FilterHeadersStatus onResponseHeaders(uint32_t, bool) override {
    if (user_.empty()) return FilterHeadersStatus::Continue;
    std::string key = "visits/" + user_;
    std::string next = std::to_string(visits_ + 1);
    auto result = proxy_set_shared_data(key.data(), key.size(), next.data(), next.size(), cas_);
    if (result == WasmResult::Ok) {
      proxy_add_header_map_value(WasmHeaderMapType::ResponseHeaders, "x-visits", 8, next.data(), next.size());
    } else if (result == WasmResult::CasMismatch) {
      proxy_add_header_map_value(WasmHeaderMapType::ResponseHeaders, "x-visits-conflict", 17, "retry", 5);
      proxy_increment_metric(metrics.cas_conflicts, 1);
      logAt(LogLevel::warn, "cpp-filter: " + key + " changed since cas " + std::to_string(cas_));
    }
    return FilterHeadersStatus::Continue;
  }

  void onLog() override {
    auto status = getHeaderMapValue(WasmHeaderMapType::ResponseHeaders, ":status");
    logAt(LogLevel::info, "cpp-filter: " + route_ + " " + (user_.empty() ? "-" : user_) + " -> " + (status ? status->toString() : "-"));
  }

private:
  FilterHeadersStatus deny(uint32_t status, const std::string &body) {
    sendLocalResponse(status, body, {{"x-denied-by", "cpp"}});
    proxy_increment_metric(metrics.denied, 1);
    return FilterHeadersStatus::StopIteration;
  }

  std::string route_;
  std::string user_;
  uint64_t visits_ = 0;
  uint32_t cas_ = 0;
};

static RegisterContextFactory register_filter(
    [](uint32_t id, RootContext *root) { return std::make_unique<Filter>(id, root); },
    [](uint32_t id, std::string_view root_id) { return std::make_unique<FilterRoot>(id, root_id); });
