#!/usr/bin/env bash
# Runs every test of the solution, after installing what the tests need on a fresh Debian machine:
# Chromium for the browser tests, and the Python reference packages for the interop tests.
# Ends with the plain line "N passed, N failed" summed over all test assemblies; exits with dotnet test's code.
set -uo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium fonts-dejavu-core)
python3_sys=/usr/bin/python3
"$python3_sys" -c 'import numpy' 2>/dev/null || need_apt+=(python3-numpy)
"$python3_sys" -c 'import sentencepiece' 2>/dev/null || need_apt+=(python3-sentencepiece)
"$python3_sys" -c 'import torch' 2>/dev/null || need_apt+=(python3-torch)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test.sh: installing ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null \
    || echo "test.sh: could not install ${need_apt[*]}; the tests that need them will fail and say so"
fi

log=$(mktemp)
dotnet test Needle.Playground.sln -c Release "$@" 2>&1 | tee "$log"
code=${PIPESTATUS[0]}

# dotnet test prints one "Passed!/Failed!  - Failed: F, Passed: P, Skipped: S" line per assembly; add them up.
read -r passed failed skipped < <(grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" \
  | awk -F'[:,] *' '{f+=$2; p+=$4; s+=$6} END {print p+0, f+0, s+0}')
rm -f "$log"
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$code"
