# RestMQ in a container.
#
#   docker build -t restmq .
#   docker run -p 127.0.0.1:8888:8888 -v restmq-data:/data \
#     -v "$PWD/packaging/acl.conf:/etc/restmq/acl.conf:ro" -e RESTMQ_ACL=/etc/restmq/acl.conf restmq
#
# It listens on 0.0.0.0 inside the container, so clients reach it from outside, which
# protected mode refuses (403 protected_mode) unless an ACL is given (RESTMQ_ACL, as
# above) or RESTMQ_PROTECTED_MODE=no is set for a network you trust. See docs/security.md.

ARG NODE_IMAGE=node:20-bookworm-slim

# Build stage: the TypeScript build, and better-sqlite3, a native module that compiles at
# install when no prebuilt binary is found (hence python3, make and g++ here only).
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# npm ci installs exactly the lockfile and runs "prepare" (the build); prune then drops the
# dev dependencies, keeping the compiled better-sqlite3.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: no compiler, no dev dependencies, not root.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    RESTMQ_LISTEN=0.0.0.0 \
    RESTMQ_PORT=8888 \
    RESTMQ_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
# The Redis store loads its Lua scripts from src/ at run time.
COPY --from=build /app/src/store/redis/lua ./src/store/redis/lua
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8888
# /healthz answers 200 while the process serves (any client: it is a public route). The
# slim image has no curl, so node's fetch asks. It reads the port from RESTMQ_PORT: change
# the port with that variable rather than with --port.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.RESTMQ_PORT || 8888) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) drains requests in flight and closes the store.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/restmq"]
CMD ["serve"]
