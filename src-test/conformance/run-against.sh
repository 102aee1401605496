#!/usr/bin/env bash
# Runs official MCP conformance server scenarios (@modelcontextprotocol/conformance)
# against a live Streamable HTTP endpoint, one scenario at a time, and sums the checks.
#
#   src-test/conformance/run-against.sh URL [scenario...]
#   e.g. src-test/conformance/run-against.sh http://127.0.0.1:8113/mcp
#
# Without scenarios it runs the generic ones any MCP server should pass (no fixture
# tools needed). dns-rebinding-protection needs a localhost/127.0.0.1 URL. Needs npx;
# Node 22 is fetched by npx. Exit status: 0 if no check failed, 1 otherwise, 2 on misuse.
set -euo pipefail

SUITE="@modelcontextprotocol/conformance@0.1.16"
SCENARIO_TIMEOUT_SECONDS=120
DEFAULT_SCENARIOS=(server-initialize ping tools-list logging-set-level server-sse-multiple-streams dns-rebinding-protection)

if [ $# -lt 1 ]; then
  echo "usage: $0 URL [scenario...]   (default scenarios: ${DEFAULT_SCENARIOS[*]})" >&2
  exit 2
fi
url=$1
shift
if [ $# -gt 0 ]; then scenarios=("$@"); else scenarios=("${DEFAULT_SCENARIOS[@]}"); fi
command -v npx >/dev/null || { echo "run-against: npx (Node.js) is required" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" # away from any package.json

passed=0 failed=0 warnings=0 broken=0
for scenario in "${scenarios[@]}"; do
  log="$work/$scenario.log"
  rc=0
  timeout "$SCENARIO_TIMEOUT_SECONDS" npx -y -p node@22 -p "$SUITE" -- \
    conformance server --url "$url" --scenario "$scenario" >"$log" 2>&1 || rc=$?
  # The suite prints e.g. "Passed: 2/2, 0 failed, 0 warnings".
  summary=$(grep -E '^Passed: [0-9]+/[0-9]+, [0-9]+ failed, [0-9]+ warnings' "$log" | tail -1 || true)
  if [ -z "$summary" ]; then
    echo "✗ $scenario: no result (exit $rc)"
    grep -v '^npm warn' "$log" | tail -20 | sed 's/^/    /'
    broken=$((broken + 1))
    continue
  fi
  read -r p f w < <(echo "$summary" | sed -E 's/^Passed: ([0-9]+)\/[0-9]+, ([0-9]+) failed, ([0-9]+) warnings.*/\1 \2 \3/')
  passed=$((passed + p)) failed=$((failed + f)) warnings=$((warnings + w))
  if [ "$f" -eq 0 ]; then mark="✓"; else mark="✗"; fi
  echo "$mark $scenario: $summary"
  if [ "$f" -gt 0 ] || [ "$w" -gt 0 ]; then
    grep -E '^  - |^    (Error|Warning):' "$log" | sed 's/^/    /' || true
  fi
done

echo "Total: $passed checks passed, $failed failed, $warnings warnings, $broken scenarios without result"
[ "$failed" -eq 0 ] && [ "$broken" -eq 0 ]
