#!/usr/bin/env bash
# ICP serving rate of a clustered node against a lone one: `sibyl icp bench` (1,000 URLs in
# turn, a window of 64) against a node started alone (127.0.0.31), then against node1 of a
# three-node bin/cluster-local (no Squid), RUNS times in alternation. Everything on 127.0.0.x,
# stopped by pid at the end.
#
#   bench/cluster-icp.sh [QUERIES] [RUNS]      defaults 1000000 and 3
#
# HTTP_LOAD=1 adds HTTP load while ICP is measured: wrk -t1 -c16 on the measured node (the
# nodes accelerate for the origin, docker/origin/origin.py on 127.0.0.20:8080), 64 URLs of 16 KiB
# in turn, so the clustered node serves some itself and fetches the others from their owners.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
queries=${1:-1000000}
runs=${2:-3}
work=$(mktemp -d /tmp/sibyl-cluster-icp.XXXXXX)
mkdir -p "$top/bench/out"
out=${OUT:-$top/bench/out/cluster-icp-$(date -u +%Y%m%dT%H%M%SZ).txt}
[[ -f $top/node/target/sibyl-node.jar ]] || (cd "$top" && mvn -B -q -DskipTests package)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

cat > "$work/lone.conf" <<CONF
node.name = lone
http.listen = ["127.0.0.31:3128"]
icp.listen = ["127.0.0.31:3130"]
CONF
if [[ ${HTTP_LOAD:-0} == 1 ]]; then
    command -v wrk > /dev/null || { echo "cluster-icp.sh: HTTP_LOAD needs wrk (apt-get install -y wrk)" >&2; exit 1; }
    export SIBYL_HTTP_ACCELERATE='{ "*" = "127.0.0.20:8080" }'
    cat > "$work/urls.lua" <<'LUA'
local i = 0
request = function()
    i = (i + 1) % 64
    return wrk.format("GET", "/objects/h" .. i .. "?size=16384")
end
LUA
fi
load_start() { # HOST: wrk on the node while ICP is measured (its origin must be up)
    [[ ${HTTP_LOAD:-0} == 1 ]] || return 0
    wrk -t1 -c16 -d120s -s "$work/urls.lua" "http://$1:3128/" > "$work/wrk.out" 2>&1 &
    wrk_pid=$!
    pids+=("$wrk_pid")
    sleep 3 # the load runs before the first query
}
load_stop() {
    [[ ${HTTP_LOAD:-0} == 1 ]] || return 0
    kill "$wrk_pid" 2>/dev/null || true
    wait "$wrk_pid" 2>/dev/null || true
}
bench() { # NAME ADDRESS
    local line
    line=$("$top/bin/sibyl" icp bench "$2" --queries "$queries" --warmup 200000 2>&1 | grep '^RESULT') \
        || { echo "cluster-icp.sh: icp bench against $2 failed" >&2; exit 1; }
    echo "RUN $1 $line"
}
# Output to the terminal and the result file; the work stays in this shell, so that the EXIT
# trap sees every pid it must stop.
exec > >(tee "$out")
{
    echo "# HTTP_LOAD=${HTTP_LOAD:-0}"
    echo "# bench/cluster-icp.sh $queries $runs   $(date -u +%Y-%m-%dT%H:%M:%SZ)   $(nproc) cores, $(uname -r)"
    for run in $(seq "$runs"); do
        JAVA_OPTS="-Xmx256m -XX:MaxDirectMemorySize=384m" "$top/bin/sibyl" node --config "$work/lone.conf" 2> "$work/lone.log" &
        lone=$!
        pids+=("$lone")
        for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.31/3128) 2>/dev/null && break; sleep 0.1; done
        if [[ ${HTTP_LOAD:-0} == 1 ]]; then
            python3 "$top/docker/origin/origin.py" --bind 127.0.0.20 --port 8080 > /dev/null 2>&1 &
            origin=$!
            pids+=("$origin")
            for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.20/8080) 2>/dev/null && break; sleep 0.1; done
        fi
        load_start 127.0.0.31
        bench lone 127.0.0.31:3130
        load_stop
        [[ ${HTTP_LOAD:-0} == 1 ]] && { kill "$origin"; wait "$origin" 2>/dev/null || true; }
        kill "$lone"; wait "$lone" 2>/dev/null || true

        "$top/bin/cluster-local" --no-squid --dir "$work/cluster" 2> "$work/cluster.log" &
        cluster=$!
        pids+=("$cluster")
        for _ in $(seq 1200); do [[ -f $work/cluster/ready ]] && break; sleep 0.1; done
        [[ -f $work/cluster/ready ]] || { echo "cluster-icp.sh: the cluster did not start; see $work" >&2; exit 1; }
        load_start 127.0.0.11
        bench clustered 127.0.0.11:3130
        load_stop
        kill "$cluster"; wait "$cluster" 2>/dev/null || true
        rm -rf "$work/cluster"
    done
}
echo "written to $out"
