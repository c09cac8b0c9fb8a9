# syntax=docker/dockerfile:1
#
# Parley's image. Stages:
#   deps         every dependency, dev ones included (the compiler; tsx for the demo model)
#   build        src/ compiled to dist/, Redis Lua scripts copied beside it
#   prod-deps    node_modules pruned to runtime dependencies
#   fake-openai  the fake OpenAI-compatible server, for the no-key demo (compose profile "demo")
#   runtime      the API itself: the last stage, so a plain `docker build .` produces it
#
# Install scripts stay off, as on every other machine that installs Parley (see "allowScripts"
# in package.json): no runtime dependency needs one, and esbuild finds its binary without its own.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM build AS prod-deps
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# The fake model is development code (tsconfig.build.json leaves src/dev out of dist), so this
# stage runs it from source with tsx, exactly as `npm run fake-openai` does on a laptop: the
# build stage already holds the sources and every dev dependency. It is only ever built for the
# demo profile; its size does not matter.
FROM build AS fake-openai
ENV FAKE_OPENAI_HOST=0.0.0.0 \
    FAKE_OPENAI_PORT=4010
USER node
EXPOSE 4010
CMD ["node_modules/.bin/tsx", "src/dev/fake-openai-main.ts"]

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Root owns the code and the node user only reads it: a compromised process cannot rewrite itself.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Read at boot from dist/graphql/../../schema.
COPY schema ./schema
USER node
EXPOSE 4000
# Liveness only (no dependency checks; /readyz is for that). Slim images have no curl, so node's
# own fetch asks, on whatever PORT the container was given.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 on purpose: main.ts handles SIGTERM/SIGINT itself (drain, then close stores).
CMD ["node", "dist/main.js"]
