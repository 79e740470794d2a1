#!/usr/bin/env bash
# Long fuzzing campaigns: each Jazzer fuzz target for RUNS inputs (default 10^7), one target at a
# time, at nice 19, through the same surefire `fuzz` execution that CI runs for
# sibyl.fuzz.seconds. Jazzer starts from the seed corpus kept in the repo
# (src/test/resources/**/<Class>Inputs/<method>/) and from the inputs of earlier campaigns (the
# module's .cifuzz-corpus/, not committed). A finding stops its target: Jazzer writes the input
# as crash-<sha1> into the seed directory, where it stays as a regression input once the bug is
# fixed (rename it to say what it is).
#
#   bench/fuzz.sh [TARGET] [RUNS]
#
#   TARGET  http           HttpRequestFuzzTest: bytes on a connection through the request pipeline's
#                          front (decode, aggregate, transactions, guard)
#           cache-headers  CacheHeadersFuzzTest: Cache-Control, Date, Expires, Age, Vary
#           cache-key      CacheKeyFuzzTest: URL canonicalisation
#           rules          RuleFileFuzzTest: the rule-file parser (drop/nocache and ICP rules)
#           all            each of them in turn (the default)
#   RUNS    inputs per target (Jazzer's max_executions), default 10000000
#
# Environment:
#   MAX_SECONDS  stop a target after this long even short of RUNS (default 86400)
#   OUT          summary file, default bench/out/fuzz-DATE.txt; each target's Maven log beside it
#
# Per target it prints inputs run, seconds, inputs per second and findings (0 or 1). Needs the
# modules compiled once (mvn -o -q -pl node -am test-compile); runs offline.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

target=${1:-all}
runs=${2:-10000000}
max_seconds=${MAX_SECONDS:-86400}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p bench/out
out=${OUT:-bench/out/fuzz-$stamp.txt}

declare -A class=([http]=HttpRequestFuzzTest [cache-headers]=CacheHeadersFuzzTest
    [cache-key]=CacheKeyFuzzTest [rules]=RuleFileFuzzTest)
declare -A modules=([http]=icp,config,cluster,node [cache-headers]=icp,config,cluster,node
    [cache-key]=icp,config,cluster,node [rules]=icp)
declare -A inputs=([http]=node/src/test/resources/sibyl/node/http/HttpRequestFuzzTestInputs
    [cache-headers]=node/src/test/resources/sibyl/node/cache/CacheHeadersFuzzTestInputs
    [cache-key]=node/src/test/resources/sibyl/node/cache/CacheKeyFuzzTestInputs
    [rules]=icp/src/test/resources/sibyl/icp/policy/builtin/RuleFileFuzzTestInputs)

if [[ $target == all ]]; then
    targets=(http cache-headers cache-key rules)
elif [[ -n ${class[$target]:-} ]]; then
    targets=("$target")
else
    echo "unknown target '$target': http, cache-headers, cache-key, rules or all" >&2
    exit 2
fi

printf '%-14s %12s %8s %9s %8s  %s\n' target inputs seconds inputs/s findings log | tee -a "$out"
for t in "${targets[@]}"; do
    log=${out%.txt}-$t.log
    before=$(find "${inputs[$t]}" -name 'crash-*' | wc -l)
    start=$(date +%s)
    # -Dtest also replays the seeds in the module's plain test run; the fuzz execution then fuzzes.
    nice -n 19 mvn -B -o -pl "${modules[$t]}" test -Djacoco.skip \
        -Dtest="${class[$t]}" -Dsurefire.failIfNoSpecifiedTests=false \
        -Djazzer.max_executions="$runs" -Dsibyl.fuzz.seconds="$max_seconds" >"$log" 2>&1 &
    pids+=($!)
    status=0
    wait "${pids[-1]}" || status=$?
    seconds=$(( $(date +%s) - start ))
    # Jazzer's last words for the fuzzing run: "Done N runs in S second(s)".
    done_line=$(grep -a -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
    n=$(awk '{ print $2 }' <<<"$done_line")
    s=$(awk '{ print $5 }' <<<"$done_line")
    findings=$(( $(find "${inputs[$t]}" -name 'crash-*' | wc -l) - before ))
    if [[ $status -ne 0 && $findings -eq 0 ]]; then
        findings="build failed"
    fi
    rate=$(awk -v n="${n:-0}" -v s="${s:-0}" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
    printf '%-14s %12s %8s %9s %8s  %s\n' "$t" "${n:-?}" "${s:-$seconds}" "$rate" "$findings" "$log" | tee -a "$out"
done
