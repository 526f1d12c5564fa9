#!/usr/bin/env bash
# Installs the system programs that the suites outside `pnpm test` need, from Debian's
# packages, when they are missing: etcd (pnpm test:cluster), Chromium (pnpm test:browser),
# psql and psycopg2 (pnpm test:pg), grpcio (the guide's Python client in pnpm
# test:cluster), openssl (TLS tests). Idempotent; needs root or sudo.
set -euo pipefail

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
