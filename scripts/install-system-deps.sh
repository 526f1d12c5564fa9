#!/usr/bin/env bash
# Installs the system programs that the suites outside `pnpm test` need, from Debian's
# packages, when they are missing: etcd (pnpm test:cluster), Chromium (pnpm test:browser),
# psql and psycopg2 (pnpm test:pg), grpcio (the guide's Python client in pnpm
# test:cluster), openssl (TLS tests). Idempotent; needs root or sudo.
#
# `--bench` (or ISA_BENCH_DEPS=1) also installs what benches compare against, which CI
# does not run: FastAPI and uvicorn (with uvloop and httptools, as uvicorn[standard]
# has them) for the integration guide's FastAPI stack in packages/api/bench/analyze.mjs.
set -euo pipefail

bench="${ISA_BENCH_DEPS:-0}"
for arg in "$@"; do
  case "$arg" in
    --bench) bench=1 ;;
    *)
      echo "usage: $0 [--bench]" >&2
      exit 2
      ;;
  esac
done

declare -A wanted=(
  [etcd]=etcd-server
  [chromium]=chromium
  [psql]=postgresql-client
  [openssl]=openssl
)
missing=()
for program in "${!wanted[@]}"; do
  command -v "$program" >/dev/null 2>&1 || missing+=("${wanted[$program]}")
done
# Debian's Python modules live in Debian's interpreter, which may not be the first
# python3 on PATH (pyenv): tests run /usr/bin/python3.
/usr/bin/python3 -c 'import psycopg2' >/dev/null 2>&1 || missing+=(python3-psycopg2)
/usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 || missing+=(python3-grpcio)
if [ "$bench" = 1 ]; then
  /usr/bin/python3 -c 'import fastapi' >/dev/null 2>&1 || missing+=(python3-fastapi)
  /usr/bin/python3 -c 'import uvicorn' >/dev/null 2>&1 || missing+=(python3-uvicorn)
  /usr/bin/python3 -c 'import uvloop' >/dev/null 2>&1 || missing+=(python3-uvloop)
  /usr/bin/python3 -c 'import httptools' >/dev/null 2>&1 || missing+=(python3-httptools)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "system programs: all present"
  exit 0
fi
echo "system programs: installing ${missing[*]} (Debian packages)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system programs: installed ${missing[*]}"
