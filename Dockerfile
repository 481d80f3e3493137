# One image for the worker, the API and the release step; the command picks the role (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY scripts ./scripts
# Dev dependencies stay out of the image; the postinstall step generates the Prisma client from prisma/.
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
# The retention archives' mount point (a named volume takes this directory's owner).
RUN mkdir -p /var/lib/marketplace-billing/archive && chown node:node /var/lib/marketplace-billing/archive
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "api/main.ts"]
