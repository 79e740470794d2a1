#!/usr/bin/env bash
# A rolling restart of a three-node cluster under a steady Zipf load through Squid
# (bin/cluster-local, icp_query_timeout 50): each node in turn gets SIGTERM (it drains, handing
# its most requested URLs to their next owners), exits, is started again and warms up, while
# CLIENTS clients keep asking for URLS objects of SIZE bytes with Zipf(SKEW) popularity.
#
#   bench/cluster-restart.sh        URLS=4000 SIZE=8192 SKEW=0.9 CLIENTS=4 MEMORY=16m
#
# Reported: the hit ratio (1 - origin requests / client requests) over a steady window of
# WINDOW seconds before the restart, during the restart, and over a window after it; the
# failed requests; how long each node took to drain and to come back. HANDOFF=0 runs the same
# with the handoff off (cluster.handoff.max-bytes = 0), for comparison.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
urls=${URLS:-4000}
size=${SIZE:-8192}
skew=${SKEW:-0.9}
clients=${CLIENTS:-4}
memory=${MEMORY:-16m}
window=${WINDOW:-30}
warmup=${WARMUP:-40}
work=$(mktemp -d /tmp/sibyl-restart-bench.XXXXXX)
chmod 777 "$work"
mkdir -p "$top/bench/out"
out=${OUT:-$top/bench/out/cluster-restart-$(date -u +%Y%m%dT%H%M%SZ).txt}
[[ -x /usr/sbin/squid ]] || { echo "cluster-restart.sh: squid is not installed (apt-get install -y squid)" >&2; exit 1; }
[[ -f $top/node/target/sibyl-node.jar ]] || (cd "$top" && mvn -B -q -DskipTests package)
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"
handoff_env=()
[[ ${HANDOFF:-1} == 0 ]] && handoff_env=(SIBYL_CLUSTER_HANDOFF_MAX__BYTES=0)

# The clients: Zipf picks (fixed seed), each on a kept-alive connection, until STOP exists;
# every second the totals so far go to PROGRESS as "requests failures".
cat > "$work/load.py" <<'PY'
import bisect, http.client, os, random, sys, threading, time
urls, size, skew, clients, stop, progress = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
weights = [1.0 / (k ** skew) for k in range(1, urls + 1)]
cdf, total = [], 0.0
for w in weights:
    total += w
    cdf.append(total)
counts = [0, 0]
lock = threading.Lock()
def run(seed):
    rng = random.Random(seed)
    connection = None
    while not os.path.exists(stop):
        i = bisect.bisect_left(cdf, rng.random() * total)
        url = "http://127.0.0.20:8080/objects/z%d?size=%d" % (i, size)
        ok = False
        for attempt in range(2):
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.10", 3128, timeout=30)
                connection.request("GET", url)
                response = connection.getresponse()
                body = response.read()
                ok = response.status == 200 and len(body) == size
                break
            except Exception:
                connection = None
        with lock:
            counts[0] += 1
            counts[1] += 0 if ok else 1
threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
for t in threads: t.start()
while any(t.is_alive() for t in threads):
    with lock:
        line = "%d %d\n" % (counts[0], counts[1])
    with open(progress + ".tmp", "w") as f: f.write(line)
    os.replace(progress + ".tmp", progress)
    time.sleep(0.5)
with open(progress, "w") as f: f.write("%d %d\n" % (counts[0], counts[1]))
PY

snapshot() { # the clients' requests and failures, and the origin's requests, so far
    local requests failures
    read -r requests failures < "$work/progress"
    echo "$requests $failures $(grep -c '"GET /objects/z' "$work/sibyl/origin.log" || true)"
}
ratio() { # BEFORE AFTER: hit ratio, requests and failures between two snapshots
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); r = y[1] - x[1]; o = y[3] - x[3];
        printf "hit_ratio=%.4f requests=%d origin=%d failed=%d", (r ? 1 - o / r : 0), r, o, y[2] - x[2] }'
}
wait_warm() { # NODE: until its cluster page lists 3 members, none warming up
    local page
    for _ in $(seq 900); do
        page=$(curl -sf -m 5 "http://127.0.0.1$1:3128/squid-internal-mgr/cluster" 2>/dev/null || true)
        grep -q "^cluster local: 3 member" <<< "$page" && ! grep -q "warming up" <<< "$page" && return 0
        sleep 0.1
    done
    echo "cluster-restart.sh: node$1 did not come back; see $work/sibyl/node$1.log" >&2
    exit 1
}

exec > >(tee "$out")
{
    echo "# bench/cluster-restart.sh   $(date -u +%Y-%m-%dT%H:%M:%SZ)   $(nproc) cores, $(uname -r)"
    echo "# $urls objects of $size bytes, Zipf($skew), $clients clients; cache.memory $memory per node;" \
        "handoff ${HANDOFF:-1}; windows of ${window}s after ${warmup}s of warm-up"
    env "${handoff_env[@]}" SIBYL_CACHE_MEMORY="$memory" JAVA_OPTS="-Xmx256m -XX:MaxDirectMemorySize=256m -XX:TieredStopAtLevel=1" \
        "$top/bin/cluster-local" --dir "$work/sibyl" --squid-directive "icp_query_timeout 50" \
        > /dev/null 2> "$work/cluster-local.log" &
    pids+=($!)
    for _ in $(seq 1200); do [[ -f $work/sibyl/ready ]] && break; sleep 0.1; done
    [[ -f $work/sibyl/ready ]] || { echo "cluster-restart.sh: bin/cluster-local did not start; see $work" >&2; exit 1; }
    echo "0 0" > "$work/progress"
    python3 "$work/load.py" "$urls" "$size" "$skew" "$clients" "$work/stop" "$work/progress" &
    pids+=($!)
    load_pid=$!
    sleep "$warmup"
    a=$(snapshot); sleep "$window"; b=$(snapshot)
    echo "steady   $(ratio "$a" "$b")"
    for i in 1 2 3; do
        start=$(date +%s.%N)
        pid=$(cat "$work/sibyl/node$i.pid")
        kill -TERM "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        stopped=$(date +%s.%N)
        env "${handoff_env[@]}" SIBYL_CACHE_MEMORY="$memory" JAVA_OPTS="-Xmx256m -XX:MaxDirectMemorySize=256m -XX:TieredStopAtLevel=1" \
            "$top/bin/sibyl" node --config "$work/sibyl/node$i.conf" 2>> "$work/sibyl/node$i.log" &
        pids+=($!)
        wait_warm "$i"
        echo "node$i drained and exited in $(awk -v a="$start" -v b="$stopped" 'BEGIN { printf "%.1f", b - a }') s," \
            "back and warm $(awk -v a="$stopped" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s later;" \
            "$(grep -h "handed" "$work/sibyl/node$i.log" | tail -1 | sed 's/.*: handed/handed/')"
    done
    c=$(snapshot)
    echo "restart  $(ratio "$b" "$c")"
    sleep "$window"; d=$(snapshot)
    echo "after    $(ratio "$c" "$d")"
    touch "$work/stop"
    wait "$load_pid" || true
    echo "overall failed requests: $(awk '{ print $2 }' "$work/progress")"
}
echo "written to $out"
