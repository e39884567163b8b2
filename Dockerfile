FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY templates ./templates
ENV NODE_ENV=production HOST=0.0.0.0
USER node
CMD ["npx", "tsx", "src/main.ts"]
