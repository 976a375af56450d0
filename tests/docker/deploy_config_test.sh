#!/usr/bin/env bash
# `latchkey check-config` accepts deploy/latchkey.compose.yaml, the config docker-compose.yml
# mounts, so that the example keeps up with the config schema. The /run/secrets/ paths only
# exist in the container: a temporary copy points them at throwaway files.
#
#   deploy_config_test.sh LATCHKEY_BINARY REPO_ROOT
set -euo pipefail

binary=${1:?usage: $0 LATCHKEY_BINARY REPO_ROOT}
repo=${2:?usage: $0 LATCHKEY_BINARY REPO_ROOT}
config=$repo/deploy/latchkey.compose.yaml

fail() { echo "FAIL: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%064d\n' 0 >"$work/pepper"
printf '%064d\n' 0 >"$work/totp_key"
sed "s#/run/secrets/#$work/#g" "$config" >"$work/latchkey.yaml"
grep -q /run/secrets/ "$work/latchkey.yaml" && fail "a /run/secrets/ path was not rewritten"

env -i PATH="$PATH" LATCHKEY_DATABASE_URL=postgresql://latchkey@postgres:5432/latchkey \
  "$binary" --config "$work/latchkey.yaml" check-config || fail "check-config rejects $config"
echo "PASS"
