// A real gRPC external authorization service for the end-to-end suites: it implements
// envoy.service.auth.v3.Authorization/Check (service/auth/v3/external_auth.proto) with
// @grpc/grpc-js, the messages encoded with the generated Envoy types. It allows requests carrying
// `authorization: Bearer let-me-in` (adding `x-auth-user: demo` upstream) and denies the rest
// with 401, a `www-authenticate` header and a JSON body. It records every check it answers.
import grpc from "@grpc/grpc-js";
import {
  CheckRequestSchema, CheckResponseSchema, type CheckRequestJson, type CheckResponseJson,
} from "../../protos/gen/envoy/service/auth/v3/external_auth_pb.ts";
import { decodeMessage, encodeMessage } from "../../protos/json.ts";

export interface GrpcAuthService {
  port: number;
  checks: CheckRequestJson[];
  close(): Promise<void>;
}

export async function startGrpcAuthService(): Promise<GrpcAuthService> {
  const checks: CheckRequestJson[] = [];
  const server = new grpc.Server();
  const check: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
    const request = decodeMessage(CheckRequestSchema, call.request);
    checks.push(request);
    const headers = request.attributes?.request?.http?.headers ?? {};
    const response: CheckResponseJson = headers.authorization === "Bearer let-me-in"
      ? { status: { code: 0 }, ok_response: { headers: [{ header: { key: "x-auth-user", value: "demo" } }] } }
      : {
        status: { code: 16 }, // UNAUTHENTICATED
        denied_response: {
          status: { code: "Unauthorized" },
          headers: [{ header: { key: "www-authenticate", value: "Bearer" } }, { header: { key: "content-type", value: "application/json" } }],
          body: JSON.stringify({ error: "denied", reason: "send Authorization: Bearer let-me-in" }),
        },
      };
    callback(null, Buffer.from(encodeMessage(CheckResponseSchema, response)));
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
