# syntax=docker/dockerfile:1
# Warden in a container: built in a full Rust image, run from a slim Debian as an unprivileged
# user, with a read-only root (docker run --read-only) and the data dir as the one writable place.
#   docker build -t warden .
#   docker run --read-only -v warden-data:/var/lib/warden -p 8080:8080 warden
# docker-compose.yml runs two of them on one PostgreSQL store.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# Crates and build output in BuildKit caches: a rebuild after a change to Warden's code does not
# fetch or compile its dependencies again.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin warden \
    && install -s target/release/warden /warden

FROM debian:bookworm-slim
# CA certificates for the platforms' and providers' TLS; nothing else is needed at run time
# (SQLite is built in).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/warden \
        --shell /usr/sbin/nologin warden \
    && install -d -o warden -g warden -m 0700 /var/lib/warden
COPY --from=build /warden /usr/local/bin/warden
USER 10001:10001
ENV WARDEN_DATA_DIR=/var/lib/warden \
    WARDEN_LOG_FORMAT=json
VOLUME /var/lib/warden
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/warden"]
CMD ["serve", "--listen", "0.0.0.0:8080"]
