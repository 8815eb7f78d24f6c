# syntax=docker/dockerfile:1
# The sip401 image for batch engines (docs/archive-scale.md): a Kubernetes Indexed Job, a Slurm
# array with a container runtime, AWS Batch. Build: docker build -t sip401:0.1.0 .
# Run:   docker run --rm -v /srv/captures:/archive:ro sip401:0.1.0 scan /archive

# Production dependencies only. Optional ones are left out: piscina's optional @napi-rs/nice is a
# native module for thread priorities, which sip401 never sets (README, Quick start).
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

# TypeScript → dist with the full dependency set (typescript is a dev dependency).
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# Runtime: node, the compiled CLI and its production dependencies; no compiler, no sources.
FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# `sip401` on PATH, so a merge step can run `sh -c 'sip401 merge /out/shard-*.ndjson'`.
RUN ln -s /app/bin/sip401.js /usr/local/bin/sip401
# The image's own unprivileged `node` user, by number: Kubernetes' runAsNonRoot can only verify a
# numeric USER. Captures are read-only input; output goes to a mounted volume.
USER 1000:1000
ENTRYPOINT ["sip401"]
CMD ["--help"]
