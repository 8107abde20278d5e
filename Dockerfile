# syntax=docker/dockerfile:1
# PD Pathways: build with the dev tools, run with production dependencies only, as the unprivileged `node` user.
# deploy/compose.yaml runs two of these behind Caddy against a three-member MongoDB replica set.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# mongodb-memory-server (a dev dependency for tests) would download a mongod binary on install.
ENV MONGOMS_DISABLE_POSTINSTALL=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN node scripts/build.js --quiet && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
# Owned by root, read-only to the app: the process writes nothing to its own files.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY config ./config
COPY views ./views
COPY public ./public
COPY samples ./samples
USER node
EXPOSE 3000
# /healthz answers over plain HTTP inside the container (production refuses plain HTTP everywhere else).
HEALTHCHECK --interval=15s --timeout=5s --start-period=40s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/server.js"]
