#!/bin/sh
# wrangler's [build] command (backend/wrangler.toml): builds the Worker with worker-build --release,
# unless build/ is already newer than every input, so that starting `wrangler dev` on unchanged code
# costs a few milliseconds instead of a wasm-bindgen + wasm-opt pass. `--force` always builds
# (`cargo xtask` does, then starts wrangler). `cargo xtask` sets the tool variables below; when they
# are unset, the copies it installs are used, so that worker-build downloads nothing.
# `ATELIER_WORKER_TEST_HOOKS=1` builds with the `test-hooks` feature (the service's `/__test/*`
# routes): only the test suites set it, for this script and for the `wrangler dev` that runs it
# again; without it (as under `wrangler deploy`) the bundle has no test hooks, and a bundle built
# with them counts as stale.
# Usage: sh build.sh [--force]
set -eu
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
# Carries the time the last successful build started (inputs edited during a build count as
# newer) and, as its content, the features that build had.
stamp=build/.sources-stamp

features=""
if [ "${ATELIER_WORKER_TEST_HOOKS:-}" = "1" ]; then
    features="test-hooks"
fi

inputs="src Cargo.toml build.sh ../api ../server $root/Cargo.toml $root/Cargo.lock"
if [ "${1:-}" != "--force" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "features=$features" ] \
    && [ -z "$(find $inputs -newer "$stamp" -print 2>/dev/null | head -n 1)" ]; then
    echo "atelier-worker: build/ is up to date (features: ${features:-none})"
    exit 0
fi

tools="$root/tools/node_modules"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
if [ -z "${WASM_BINDGEN_BIN:-}" ] && [ -x "$cargo_bin/wasm-bindgen" ]; then
    export WASM_BINDGEN_BIN="$cargo_bin/wasm-bindgen"
fi
if [ -z "${WASM_OPT_BIN:-}" ] && [ -x "$tools/.bin/wasm-opt" ]; then
    export WASM_OPT_BIN="$tools/.bin/wasm-opt"
fi
if [ -z "${ESBUILD_BIN:-}" ] && [ -x "$tools/@esbuild/linux-x64/bin/esbuild" ]; then
    export ESBUILD_BIN="$tools/@esbuild/linux-x64/bin/esbuild"
fi
started="$(mktemp)"
trap 'rm -f "$started"' EXIT
# A failed or interrupted build leaves no stamp, so the next run builds again.
rm -f "$stamp"
if [ -n "$features" ]; then
    "${WORKER_BUILD_BIN:-worker-build}" --release --features "$features"
else
    "${WORKER_BUILD_BIN:-worker-build}" --release
fi
echo "features=$features" > "$stamp"
touch -r "$started" "$stamp"
