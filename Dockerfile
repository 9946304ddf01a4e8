# sift-run-sync in a container: the image the README's Kubernetes Indexed Job runs.
#   docker build -t sift-run-sync .
#   docker run --rm -e SIFT_REST_URI -e SIFT_API_KEY -v "$PWD/exports:/data:ro" sift-run-sync plan /data
# Stage 1 builds and packs the package exactly as `npm pack` does for the registry; stage 2
# installs that tarball without dev dependencies, as a user would, and runs as a non-root user.
# test/package/package.test.ts runs the same install steps in a temporary directory.

FROM node:20-slim AS pack
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm pack --pack-destination /pack && mv /pack/sift-run-sync-*.tgz /pack/sift-run-sync.tgz

FROM node:20-slim
ENV NODE_ENV=production
COPY --from=pack /pack/sift-run-sync.tgz /tmp/sift-run-sync.tgz
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/sift-run-sync.tgz \
  && rm /tmp/sift-run-sync.tgz \
  && npm cache clean --force
# The image's own non-root user (uid 1000); the working directory is where relative paths and
# --local's .sift-local/ state go (mount manifests and results under it, or anywhere).
USER node
WORKDIR /home/node
ENTRYPOINT ["sift-run-sync"]
CMD ["--help"]
