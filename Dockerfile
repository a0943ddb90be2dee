# Control plane image: `docker build -t ghcr.io/attache-dev/attache:0.1.0 .`
# Stage 1 builds the Wasm filters with asc and assembles the image's files with
# scripts/bundle-cli.mjs (esbuild bundle, release .wasm modules, chart, probe); stage 2
# is a distroless Node image with only those. test/image/bundle.test.ts runs the same bundle.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-fund --no-audit
COPY . .
RUN npm run build && node scripts/bundle-cli.mjs /out

FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
COPY --from=build /out/ /app/
USER 65532:65532
EXPOSE 18000 18002 8877
ENTRYPOINT ["/nodejs/bin/node", "/app/attache.mjs"]
CMD ["serve"]
