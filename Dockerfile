# syntax=docker/dockerfile:1
# The sv-kms operator image: compiled JavaScript on Node.js 24, production dependencies only, non-root, and fit for a
# read-only root filesystem (nothing writes outside /tmp). test/unit/dockerfile.test.ts checks these properties and
# test/integration/image-layout.test.ts builds the runtime layout the same way and runs it.
#
#   docker build -t ghcr.io/<you>/sv-kms-operator:0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
#
# The base image is pinned by its full version tag, the same Node.js version as the `node` devDependency
# (package-lock.json). Pin it by digest as well in your registry mirror if your policy asks for it
# (node:24.21.0-bookworm-slim@sha256:...).

# ---- build: all dependencies, TypeScript compiled to dist/ ----
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /src
ENV npm_config_cache=/tmp/.npm \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
# Install scripts run as package.json's allowScripts says; the `node` devDependency's one fetches the pinned Node.js
# binary that npm scripts (tsc) then run on — the same version as this image's.
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- deps: production dependencies only ----
FROM node:24.21.0-bookworm-slim AS deps
WORKDIR /app
ENV npm_config_cache=/tmp/.npm \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
# --omit=dev leaves out the compiler, the test tools and the `node` devDependency (the image has its own Node.js);
# no production dependency needs an install script.
RUN npm ci --omit=dev --ignore-scripts && rm -rf /tmp/.npm

# ---- runtime ----
FROM node:24.21.0-bookworm-slim AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="sv-kms-operator" \
      org.opencontainers.image.description="Kubernetes operator that moves a Splice Super Validator onto a participant whose keys live in AWS KMS or Google Cloud KMS" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/sv-kms/sv-kms-operator" \
      org.opencontainers.image.base.name="docker.io/library/node:24.21.0-bookworm-slim"
# The operator runs `node` only: remove the package managers, which nothing at runtime needs.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
WORKDIR /app
# package.json is read at runtime (`sv-kms version`); bin/sv-kms.js runs dist/ when it exists.
COPY --chown=0:0 package.json ./
COPY --chown=0:0 --from=deps /app/node_modules ./node_modules
COPY --chown=0:0 --from=build /src/dist ./dist
COPY --chown=0:0 bin ./bin
# Files stay owned by root and read-only to the process. /tmp is the only writable path (an emptyDir in the chart).
ENV NODE_ENV=production \
    HOME=/tmp \
    npm_config_cache=/tmp/.npm \
    TMPDIR=/tmp
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "/app/bin/sv-kms.js"]
CMD ["run"]
