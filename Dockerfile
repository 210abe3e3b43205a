# minik6 as a container image: a drop-in runner image for k6-operator (its
# TestRun's spec.runner.image), which runs `k6 archive`, `k6 inspect` and
# `k6 run` through sh; `k6` here is minik6.
#
#   docker build -t minik6 .
#   docker run --rm -v "$PWD:/scripts" minik6 run /scripts/test.js

FROM docker.io/library/golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=0.1.0-dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/minik6/minik6/cli.version=${VERSION}" \
      -o /out/minik6 ./cmd/minik6

# Alpine: a shell for the operator's initializer, CA certificates for HTTPS,
# a few MB in all. The user is k6's (uid 12345), never root.
FROM docker.io/library/alpine:3.20
RUN adduser -D -u 12345 -g k6 k6
COPY --from=build /out/minik6 /usr/bin/minik6
RUN ln -s /usr/bin/minik6 /usr/bin/k6
USER 12345
WORKDIR /home/k6
ENTRYPOINT ["minik6"]
