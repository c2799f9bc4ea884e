#!/usr/bin/env bash
# Mutation testing of the pure core (issue 14): mutmut 3.8.1 mutates one module at a time
# and runs only that module's own test files against each mutant. Not part of CI (it takes
# minutes); the last scores are in docs/mutation.md.
#
#   tools/mutation.sh                  every module below
#   tools/mutation.sh calculators      one module (the name of a file in bot/)
#
# Each module is mutated in its own copy of the project under .cache/mutation/<module>/
# (mutmut writes its mutants/ folder there, never into the checkout). Prints one line per
# module: killed, survived, no tests, timeouts, and the score (killed / all mutants).
# `cd .cache/mutation/<module> && ../../../.venv/bin/mutmut results` lists the survivors;
# `mutmut show <name>` shows one.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

# module → its own test files (space-separated)
declare -A TESTS=(
  [calculators]="tests/test_calculators.py"
  [numerals]="tests/test_numerals.py"
  [ratelimit]="tests/test_ratelimit.py"
  [privacy]="tests/test_privacy.py"
  [settings]="tests/test_settings.py"
  [reply]="tests/test_reply.py"
)
ORDER=(calculators numerals ratelimit privacy settings reply)

if [ ! -x .venv/bin/pytest ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet -e '.[test]'
fi
if [ ! -x .venv/bin/mutmut ] || [ pyproject.toml -nt .venv/.installed-mutation ]; then
  .venv/bin/python -m pip install --quiet -e '.[test,mutation]'
  touch .venv/.installed-mutation
fi

if [ "$#" -gt 0 ]; then MODULES=("$@"); else MODULES=("${ORDER[@]}"); fi

printf '%-14s %7s %9s %9s %8s %7s\n' module killed survived no-tests timeout score
for module in "${MODULES[@]}"; do
  tests="${TESTS[$module]:-}"
  if [ -z "$tests" ]; then
    echo "unknown module: $module (one of: ${ORDER[*]})" >&2
    exit 2
  fi
  work="$ROOT/.cache/mutation/$module"
  rm -rf "$work"
  mkdir -p "$work"
  # the project as committed plus the working tree's changes, without .venv and caches
  git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$work" -xf -
  selection=""
  for t in $tests; do selection="$selection\"$t\", "; done
  cat >>"$work/pyproject.toml" <<EOF

[tool.mutmut]
source_paths = ["bot"]
only_mutate = ["bot/$module.py"]
also_copy = ["handlers", "policies", "benchmarks", "tools"]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-o", "addopts="]
pytest_add_cli_args_test_selection = [${selection%, }]
EOF
  (
    cd "$work"
    "$ROOT/.venv/bin/mutmut" run --max-children 2 >"$work/run.log" 2>&1 || true
    "$ROOT/.venv/bin/mutmut" export-cicd-stats >>"$work/run.log" 2>&1 || true
  )
  stats="$work/mutants/mutmut-cicd-stats.json"
  if [ ! -s "$stats" ]; then
    echo "$module: mutmut gave no figures; see $work/run.log" >&2
    tail -20 "$work/run.log" >&2
    continue
  fi
  "$ROOT/.venv/bin/python" - "$module" "$stats" <<'EOF'
import json
import sys

module, path = sys.argv[1], sys.argv[2]
s = json.load(open(path))
total = s["total"] - s["skipped"]
score = 100 * s["killed"] / total if total else 0.0
print(f"{module:<14} {s['killed']:>7} {s['survived']:>9} {s['no_tests']:>9} "
      f"{s['timeout']:>8} {score:>6.1f}%")
EOF
done
