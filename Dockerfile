# A small image with akscan and git (for `akscan git`). UNTESTED: no Docker engine runs
# where akscan is developed; see README.md.
#   docker build -t akscan .
#   docker run --rm -v "$PWD:/src" -w /src akscan scan .
FROM rust:1.89-slim-bookworm AS build
WORKDIR /build
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY patterns ./patterns
RUN cargo build --release --locked --bin akscan && strip target/release/akscan

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && git config --system --add safe.directory '*'
COPY --from=build /build/target/release/akscan /usr/local/bin/akscan
COPY LICENSE-MIT LICENSE-APACHE README.md /usr/share/doc/akscan/
ENTRYPOINT ["akscan"]
CMD ["--help"]
