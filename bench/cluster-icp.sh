#!/usr/bin/env bash
# ICP serving rate of a clustered node against a lone one: `sibyl icp bench` (1,000 URLs in
# turn, a window of 64) against a node started alone (127.0.0.31), then against node1 of a
# three-node bin/cluster-local (no Squid), RUNS times in alternation. Everything on 127.0.0.x,
# stopped by pid at the end.
#
#   bench/cluster-icp.sh [QUERIES] [RUNS]      defaults 1000000 and 3
#
# Each setup gets SETTLE seconds (default 20) after it is up before it is measured, so that the
# start's own work (the JIT compiling Hazelcast's joining code above all) is over in both. The
# CPU seconds the two other members used while node1 was measured are reported as others_cpu_s,
# and the measured node's ICP threads' CPU per query answered (warm-up included) and, under
# HTTP load, its HTTP threads' CPU per request: the cost of each path, less noisy on a shared
# machine than the rates.
#
# HTTP_LOAD=1 adds HTTP load while ICP is measured, the same work in both setups: wrk -t1 -c16
# on the measured node, forward-proxy requests for 64 URLs of 16 KiB in turn from
# docker/origin/origin.py on 127.0.0.20:8080, all of them hits after the first round. In the
# cluster the 64 URLs are ones node1 owns (it answers ICP_HIT for them before the load), so it
# serves them from its own cache as the lone node does, and the other members see only the
# cluster's own traffic (claims, heartbeats). wrk's requests/s are reported with each run.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
queries=${1:-1000000}
runs=${2:-3}
settle=${SETTLE:-20}
work=$(mktemp -d /tmp/sibyl-cluster-icp.XXXXXX)
mkdir -p "$top/bench/out"
out=${OUT:-$top/bench/out/cluster-icp-$(date -u +%Y%m%dT%H%M%SZ).txt}
[[ -f $top/node/target/sibyl-node.jar ]] || (cd "$top" && mvn -B -q -DskipTests package)
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"

cat > "$work/lone.conf" <<CONF
node.name = lone
http.listen = ["127.0.0.31:3128"]
admin.listen = ["127.0.0.1:0"]
icp.listen = ["127.0.0.31:3130"]
CONF
if [[ ${HTTP_LOAD:-0} == 1 ]]; then
    command -v wrk > /dev/null || { echo "cluster-icp.sh: HTTP_LOAD needs wrk (apt-get install -y wrk)" >&2; exit 1; }
    # URLs the node at ADDRESS answers ICP_HIT for (its own, in parent mode), COUNT of them.
    cat > "$work/owned.py" <<'PY'
import socket, struct, sys
address, count = sys.argv[1], int(sys.argv[2])
host, port = address.rsplit(":", 1)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.settimeout(2)
owned, n = [], 0
while len(owned) < count and n < 100 * count:
    url = "http://127.0.0.20:8080/objects/h%d?size=16384" % n
    payload = struct.pack("!I", 0) + url.encode() + b"\0"
    udp.sendto(struct.pack("!BBHIIII", 1, 2, 20 + len(payload), n + 1, 0, 0, 0) + payload, (host, int(port)))
    reply = udp.recv(4096)
    if reply[0] == 2:  # ICP_OP_HIT
        owned.append(url)
    n += 1
print("\n".join(owned))
PY
fi
load_start() { # ADDRESS lone|clustered: wrk on the node while ICP is measured (the origin is up),
               # on 64 URLs it owns: any 64 for the lone node
    [[ ${HTTP_LOAD:-0} == 1 ]] || return 0
    if [[ $2 == lone ]]; then
        seq 0 63 | sed 's|.*|http://127.0.0.20:8080/objects/h&?size=16384|' > "$work/urls"
    else
        python3 "$work/owned.py" "$1:3130" 64 > "$work/urls"
    fi
    [[ $(wc -l < "$work/urls") == 64 ]] || { echo "cluster-icp.sh: $1 owns too few URLs" >&2; exit 1; }
    {
        echo "local urls = {"
        sed 's/.*/  "&",/' "$work/urls"
        echo "}"
        echo "local i = 0"
        echo "request = function() i = i % #urls + 1; return wrk.format(\"GET\", urls[i]) end"
    } > "$work/urls.lua"
    wrk -t1 -c16 -d120s -s "$work/urls.lua" "http://$1:3128/" > "$work/wrk.out" 2>&1 &
    wrk_pid=$!
    pids+=("$wrk_pid")
    sleep 3 # the load runs before the first query
}
load_stop() { # prints wrk's requests/s
    [[ ${HTTP_LOAD:-0} == 1 ]] || return 0
    kill -INT "$wrk_pid" 2>/dev/null || true
    wait "$wrk_pid" 2>/dev/null || true
    printf " http_requests_per_s=%s" "$(awk '$1 == "Requests/sec:" { print $2 }' "$work/wrk.out")"
}
thread_cpu() { # PID NAME-PREFIX: CPU seconds of the process's threads whose names start so
    local task
    for task in /proc/"$1"/task/*; do
        if [[ $(< "$task/comm") == "$2"* ]]; then awk '{ print $14 + $15 }' "$task/stat"; fi
    done | awk -v hz="$(getconf CLK_TCK)" '{ s += $1 } END { printf "%.2f", s / hz }'
}
measure() { # NAME ADDRESS PID: the bench under the load, with the node's ICP and HTTP threads' CPU
            # per query and per HTTP request
    local icp http
    icp=$(thread_cpu "$3" sibyl-icp) http=$(thread_cpu "$3" sibyl-http)
    load_start "${2%:*}" "$1"
    bench "$1" "$2"
    load_stop
    awk -v a="$icp" -v b="$(thread_cpu "$3" sibyl-icp)" -v n="$((queries + 200000))" \
        'BEGIN { printf " icp_cpu_us_per_query=%.2f", (b - a) * 1e6 / n }'
    if [[ ${HTTP_LOAD:-0} == 1 ]]; then
        awk -v a="$http" -v b="$(thread_cpu "$3" sibyl-http)" \
            -v n="$(awk '/requests in/ { print $1 }' "$work/wrk.out")" \
            'BEGIN { printf " http_cpu_us_per_request=%.2f", (b - a) * 1e6 / n }'
    fi
}
bench() { # NAME ADDRESS
    local line
    line=$("$top/bin/sibyl" icp bench "$2" --queries "$queries" --warmup 200000 2>&1 | grep '^RESULT') \
        || { echo "cluster-icp.sh: icp bench against $2 failed" >&2; exit 1; }
    echo -n "RUN $1 $line"
}
# Output to the terminal and the result file; the work stays in this shell, so that the EXIT
# trap sees every pid it must stop.
exec > >(tee "$out")
{
    echo "# HTTP_LOAD=${HTTP_LOAD:-0}"
    echo "# bench/cluster-icp.sh $queries $runs   $(date -u +%Y-%m-%dT%H:%M:%SZ)   $(nproc) cores, $(uname -r)"
    for run in $(seq "$runs"); do
        JAVA_OPTS="-Xmx256m -XX:MaxDirectMemorySize=448m" "$top/bin/sibyl" node --config "$work/lone.conf" 2> "$work/lone.log" &
        lone=$!
        pids+=("$lone")
        for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.31/3128) 2>/dev/null && break; sleep 0.1; done
        if [[ ${HTTP_LOAD:-0} == 1 ]]; then
            python3 "$top/docker/origin/origin.py" --bind 127.0.0.20 --port 8080 > /dev/null 2>&1 &
            origin=$!
            pids+=("$origin")
            for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.20/8080) 2>/dev/null && break; sleep 0.1; done
        fi
        sleep "$settle"
        measure lone 127.0.0.31:3130 "$lone"
        echo
        [[ ${HTTP_LOAD:-0} == 1 ]] && { kill "$origin"; wait "$origin" 2>/dev/null || true; }
        kill "$lone"; wait "$lone" 2>/dev/null || true

        "$top/bin/cluster-local" --no-squid --dir "$work/cluster" 2> "$work/cluster.log" &
        cluster=$!
        pids+=("$cluster")
        for _ in $(seq 1200); do [[ -f $work/cluster/ready ]] && break; sleep 0.1; done
        [[ -f $work/cluster/ready ]] || { echo "cluster-icp.sh: the cluster did not start; see $work" >&2; exit 1; }
        sleep "$settle"
        others=$(cat "$work/cluster/node2.pid" "$work/cluster/node3.pid")
        before=$(cpu_seconds $others)
        measure clustered 127.0.0.11:3130 "$(cat "$work/cluster/node1.pid")"
        echo " others_cpu_s=$(awk -v a="$before" -v b="$(cpu_seconds $others)" 'BEGIN { printf "%.1f", b - a }')"
        kill "$cluster"; wait "$cluster" 2>/dev/null || true
        rm -rf "$work/cluster"
    done
}
echo "written to $out"
