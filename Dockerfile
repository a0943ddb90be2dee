# Control plane image: `docker build -t ghcr.io/attache-dev/attache:0.1.0 .`
# Stage 1 builds the Wasm filters with asc and bundles the CLI with esbuild; stage 2 is a
# distroless Node image with only the bundle, the release .wasm modules and the probe.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-fund --no-audit
COPY . .
RUN npm run build \
 && npx esbuild controlplane/cli/main.ts --bundle --platform=node --format=esm --target=node20 \
      --outfile=/out/attache.mjs \
      --banner:js="import { createRequire } from 'module'; const require = createRequire(import.meta.url);" \
 && mkdir -p /out/build/filters && cp build/filters/*.release.wasm /out/build/filters/ \
 && mkdir -p /out/node_modules/@grpc/grpc-js-xds && cp -r node_modules/@grpc/grpc-js-xds/deps node_modules/@grpc/grpc-js-xds/package.json /out/node_modules/@grpc/grpc-js-xds/ \
 && mkdir -p /out/node_modules/protobufjs && cp -r node_modules/protobufjs/google node_modules/protobufjs/package.json /out/node_modules/protobufjs/ \
 && cp docker/probe.mjs /out/probe.mjs \
 && mkdir -p /out/charts && cp -r charts/attache /out/charts/attache

FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
COPY --from=build /out/ /app/
USER 65532:65532
EXPOSE 18000 18002 8877
ENTRYPOINT ["/nodejs/bin/node", "/app/attache.mjs"]
CMD ["serve"]
