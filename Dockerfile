# syntax=docker/dockerfile:1
# latchkey container image: build on Debian 12 with its packaged libraries, run on a slim
# Debian 12 with only the shared libraries the binary links against.
#
#   docker build -t latchkey:local .
#   docker run --rm -v $PWD/latchkey.yaml:/etc/latchkey/latchkey.yaml:ro latchkey:local check-config
#
# docker-compose.yml builds this image and wires PostgreSQL, an upstream and the secrets.

FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config \
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-test1.81-dev \
      libpqxx-dev libyaml-cpp-dev libssl-dev libargon2-dev libmimalloc-dev \
      prometheus-cpp-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build --target latchkey \
 && strip /build/app/latchkey

FROM debian:bookworm-slim AS runtime
# libboost-url1.81.0 is small; it is here so that linking Boost::url later needs no change.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libboost-json1.81.0 libboost-url1.81.0 libpqxx-6.4 libyaml-cpp0.7 libssl3 libargon2-1 \
      libprometheus-cpp-core1.0 libmimalloc2.0 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 latchkey \
 && useradd --system --uid 10001 --gid latchkey --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin latchkey \
 && mkdir -p /etc/latchkey
COPY --from=build /build/app/latchkey /usr/local/bin/latchkey
# Fail the build, not the first start, if a runtime library is missing.
RUN ! ldd /usr/local/bin/latchkey | grep 'not found'
ENV LATCHKEY_CONFIG=/etc/latchkey/latchkey.yaml
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["latchkey"]
CMD ["serve"]
