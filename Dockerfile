# motcua server image: build on Debian 12, run on Debian 12 slim.
FROM debian:12 AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      gcc make pkg-config libevent-dev libpq-dev libssl-dev uuid-dev libjansson-dev libcmocka-dev \
      libxlsxwriter-dev libutf8proc-dev libargon2-dev libqrencode-dev libcairo2-dev libpango1.0-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make -j2 build/motcua

FROM debian:12-slim
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libevent-2.1-7 libevent-openssl-2.1-7 libevent-pthreads-2.1-7 libpq5 libssl3 libuuid1 \
      libjansson4 libxlsxwriter1 libutf8proc2 libargon2-1 libqrencode4 libcairo2 libpango-1.0-0 \
      libpangocairo-1.0-0 fonts-dejavu-core ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /nonexistent motcua
COPY --from=build /src/build/motcua /usr/local/bin/motcua
USER motcua
ENV MOTCUA_LISTEN=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/motcua"]
