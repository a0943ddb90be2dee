// Echo backends (real gRPC servers on loopback) and a typed client for the conformance tests.
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const definition = protoLoader.loadSync(fileURLToPath(new URL("./echo.proto", import.meta.url)), { keepCase: true });
const pkg = grpc.loadPackageDefinition(definition) as any;
const EchoService = pkg.attache.test.Echo;

export interface EchoBackend {
  name: string;
  port: number;
  close(): Promise<void>;
}

/** Starts an Echo server that answers with its own name. */
export async function startEchoBackend(name: string): Promise<EchoBackend> {
  const server = new grpc.Server();
  server.addService(EchoService.service, {
    Say: (call: grpc.ServerUnaryCall<{ message: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, { message: call.request.message, backend: name }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { name, port, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

export interface EchoClient {
  /** Calls Say; resolves with the backend's name. */
  say(metadata?: Record<string, string>): Promise<string>;
  close(): void;
}

export function echoClient(target: string, options: grpc.ChannelOptions = {}): EchoClient {
  const client = new EchoService(target, grpc.credentials.createInsecure(), options) as grpc.Client & { Say: Function };
  return {
    say: (metadata = {}) =>
      new Promise((resolve, reject) => {
        const md = new grpc.Metadata();
        for (const [k, v] of Object.entries(metadata)) md.set(k, v);
        client.Say({ message: "hi" }, md, { deadline: Date.now() + 5000 }, (err: Error | null, reply: { backend: string }) => (err ? reject(err) : resolve(reply.backend)));
      }),
    close: () => client.close(),
  };
}
