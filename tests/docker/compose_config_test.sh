#!/usr/bin/env bash
# Checks docker-compose.yml with Debian's docker-compose (1.29), which validates without a
# Docker engine:
#   - `config -q` accepts the file (with throwaway secret files, via LATCHKEY_SECRETS_DIR);
#   - the resolved config has the three services and wires the secrets, config and ports
#     the way deploy/latchkey.compose.yaml expects;
#   - deliberately broken copies are refused (so the check above can fail at all).
# Nothing is written into the source tree.
#
#   compose_config_test.sh REPO_ROOT
set -euo pipefail

repo=${1:?usage: $0 REPO_ROOT}
compose_file=$repo/docker-compose.yml
deploy_config=$repo/deploy/latchkey.compose.yaml

fail() { echo "FAIL: $*" >&2; exit 1; }

command -v docker-compose >/dev/null || fail "docker-compose is not installed"
[[ -f $compose_file ]] || fail "$compose_file is missing"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/secrets"
printf '%064d\n' 0 >"$work/secrets/pepper"
printf '%064d\n' 0 >"$work/secrets/totp.key"

# Only our variables: nothing from the caller's environment may change the result.
compose() {
  env -i PATH="$PATH" HOME="$work" LATCHKEY_SECRETS_DIR="$work/secrets" \
    docker-compose --project-directory "$repo" "$@"
}

# 1. The file is valid.
compose -f "$compose_file" config -q || fail "docker-compose rejects docker-compose.yml"
echo "ok: docker-compose.yml is valid"

# 2. It means what the deploy config assumes.
resolved=$(compose -f "$compose_file" config) || fail "docker-compose config failed"
services=$(compose -f "$compose_file" config --services | sort | tr '\n' ' ')
[[ $services == "latchkey postgres upstream " ]] || fail "services are: $services"
expect() {
  grep -qF -- "$1" <<<"$resolved" || fail "resolved config lacks: $1"
}
expect "file: $work/secrets/pepper"
expect "file: $work/secrets/totp.key"
expect "$repo/deploy/latchkey.compose.yaml:/etc/latchkey/latchkey.yaml:ro"
expect "$repo/tests/support:/opt/upstream:ro"
expect "condition: service_healthy"
expect "published: 8080"
# Every /run/secrets/NAME the deploy config reads is a compose secret of the latchkey service.
for name in $(grep -o '/run/secrets/[A-Za-z0-9_.-]*' "$deploy_config" | sed 's#.*/##' | sort -u); do
  expect "source: $name"
done
grep -q 'url: "http://upstream:8081"' "$deploy_config" || fail "deploy config does not route to upstream:8081"
echo "ok: services, secrets, config mount and ports are wired"

# 3. Broken copies are refused. They live in the temporary directory; --project-directory
#    keeps relative paths pointing into the repository.
refused() {
  local name=$1
  if compose -f "$work/$name.yml" config -q 2>"$work/$name.err"; then
    fail "docker-compose accepted $name.yml"
  fi
  echo "ok: $name refused: $(head -n 1 "$work/$name.err")"
}
{ cat "$compose_file"; printf '\nnot_a_compose_key:\n  answer: 42\n'; } >"$work/unknown-top-level-key.yml"
refused unknown-top-level-key
sed 's/^  latchkey:$/  latchkey:\n    no_such_option: true/' "$compose_file" >"$work/unknown-service-key.yml"
grep -q no_such_option "$work/unknown-service-key.yml" || fail "could not break the service"
refused unknown-service-key

echo "PASS"
