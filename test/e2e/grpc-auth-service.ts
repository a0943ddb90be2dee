// A real gRPC external authorization service for the end-to-end suites: it implements
// envoy.service.auth.v3.Authorization/Check (service/auth/v3/external_auth.proto) with
// @grpc/grpc-js, the messages encoded with Envoy's own protos. It allows requests carrying
// `authorization: Bearer let-me-in` (adding `x-auth-user: demo` upstream) and denies the rest
// with 401, a `www-authenticate` header and a JSON body. It records every check it answers.
import grpc from "@grpc/grpc-js";
import { decodeToJson, encodeJson } from "../../protos/json.ts";

type Json = any;

export interface GrpcAuthService {
  port: number;
  checks: Json[];
  close(): Promise<void>;
}

export async function startGrpcAuthService(): Promise<GrpcAuthService> {
  const checks: Json[] = [];
  const server = new grpc.Server();
  const check: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
    const request = decodeToJson("envoy.service.auth.v3.CheckRequest", call.request) as Json;
    checks.push(request);
    const headers = request.attributes?.request?.http?.headers ?? {};
    const response = headers.authorization === "Bearer let-me-in"
      ? { status: { code: 0 }, ok_response: { headers: [{ header: { key: "x-auth-user", value: "demo" } }] } }
      : {
        status: { code: 16 }, // UNAUTHENTICATED
        denied_response: {
          status: { code: "Unauthorized" },
          headers: [{ header: { key: "www-authenticate", value: "Bearer" } }, { header: { key: "content-type", value: "application/json" } }],
          body: JSON.stringify({ error: "denied", reason: "send Authorization: Bearer let-me-in" }),
        },
      };
    callback(null, Buffer.from(encodeJson("envoy.service.auth.v3.CheckResponse", response)));
  };
  server.addService({
    Check: {
      path: "/envoy.service.auth.v3.Authorization/Check",
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  }, { Check: check });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { port, checks, close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}
