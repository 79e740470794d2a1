#!/usr/bin/env bash
# Squid in front of three Sibyl nodes against Squid in front of three plain Squid parents
# (memory caches, ICP, Squid's first-parent-miss), one run each, the same workload: URLS
# distinct objects of SIZE bytes, requested uniformly at random (fixed seed) REQUESTS times
# through the front Squid by 8 clients. Each cache is given MEMORY, so the objects total
# 2.5 times one cache by default. The fronts cache nothing (cache deny all): every hit is a
# parent's. Everything on 127.0.0.x, stopped by pid at the end.
#
#   bench/cluster.sh                     MEMORY=32m SIZE=32768 URLS=2560 REQUESTS=10240
#
# Before the measured load, both setups are warmed up with WARMUP requests (default 20,000) for
# WARMUP_URLS objects of their own (default URLS), of SIZE: the measured workload's shape, so
# every path it takes (misses, stores, claims, evictions, hits) is compiled by the nodes' JIT
# before it is measured. Then every parent is sent a PURGE for each warm-up URL, so the
# measured requests start on empty caches in both setups. Warm-up requests are left out of
# every figure. With 4,000 warm-up requests for 500 objects of 1 KiB the nodes' C2 compiler
# threads still took half of their CPU during the measured requests.
#
# Reported per setup: the origin's requests (the hit ratio is the rest), objects stored per
# parent (balance), copies per URL (objects stored / distinct URLs stored), the front's
# access.log hierarchy codes and elapsed-time percentiles (persistent parent connections off
# in both fronts, so each line shows its own request's routing), and the time the front spent
# on ICP per request: Squid's icp.querySvcTime histogram (mgr:histograms, from sending the
# queries to choosing a parent) over the measured requests, and each parent's ICP round trip
# as the front averaged it (mgr:server_list); the CPU seconds the front and the three parents
# used during the measured requests.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
memory=${MEMORY:-32m}
size=${SIZE:-32768}
urls=${URLS:-2560}
requests=${REQUESTS:-10240}
warmup=${WARMUP:-20000}
warmup_urls=${WARMUP_URLS:-$urls}
# Squid's persistent connections to its parents: off by default, so that each access.log line
# shows its own request's routing (Squid 5.7 logs a reused connection's first hierarchy code);
# PERSISTENT=on measures the fronts as usually deployed, with their routing codes approximate.
persistent=${PERSISTENT:-off}
# Squid's icp_query_timeout in both fronts, in milliseconds: 50 by default, as in
# docker/squid/squid.conf; 0 is Squid's own default, its dynamic timeout (twice the parents'
# average round trip, at least minimum_icp_query_timeout, 5 ms).
icp_timeout=${ICP_QUERY_TIMEOUT:-50}
mem_mb=${memory%m}
work=$(mktemp -d /tmp/sibyl-cluster-bench.XXXXXX)
chmod 777 "$work"
mkdir -p "$top/bench/out"
out=${OUT:-$top/bench/out/cluster-$(date -u +%Y%m%dT%H%M%SZ).txt}
[[ -x /usr/sbin/squid ]] || { echo "cluster.sh: squid is not installed (apt-get install -y squid)" >&2; exit 1; }
[[ -f $top/node/target/sibyl-node.jar ]] || (cd "$top" && mvn -B -q -DskipTests package)
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"

# The load: REQUESTS uniform picks among URLS, 8 client threads through the front Squid.
cat > "$work/load.py" <<'PY'
import http.client, random, sys, threading
front, urls, requests, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
prefix = sys.argv[5] if len(sys.argv) > 5 else "u"
rng = random.Random(2186)
picks = [rng.randrange(urls) for _ in range(requests)]
failures = [0]
lock = threading.Lock()
def run(part):
    connection = None
    for i in part:
        url = "http://127.0.0.20:8080/objects/%s%d?size=%d" % (prefix, i, size)
        for attempt in range(2):
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(front, 3128, timeout=30)
                connection.request("GET", url)
                response = connection.getresponse()
                body = response.read()
                if response.status != 200 or len(body) != size:
                    with lock:
                        failures[0] += 1
                break
            except Exception:
                connection = None
                if attempt == 1:
                    with lock:
                        failures[0] += 1
threads = [threading.Thread(target=run, args=(picks[k::8],)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print("LOAD requests=%d failures=%d" % (requests, failures[0]))
PY

# PURGE of every warm-up URL at each parent given; prints how many were held.
cat > "$work/purge.py" <<'PY'
import http.client, sys
urls, size, parents = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
held = 0
for parent in parents:
    connection = http.client.HTTPConnection(parent, 3128, timeout=30)
    for i in range(urls):
        connection.request("PURGE", "http://127.0.0.20:8080/objects/w%d?size=%d" % (i, size))
        response = connection.getresponse()
        response.read()
        if response.status == 200:
            held += 1
        elif response.status != 404:
            sys.exit("purge.py: %s answered %d to PURGE" % (parent, response.status))
print(held)
PY

squid_conf() { # FILE NAME ADDRESS EXTRA...
    local file=$1 name=$2 address=$3
    shift 3
    {
        echo "http_port $address:3128"
        echo "icp_port 3130"
        echo "udp_incoming_address $address"
        echo "visible_hostname $name"
        echo "pid_filename $work/$name.pid"
        echo "access_log stdio:$work/$name-access.log"
        echo "cache_log $work/$name-cache.log"
        echo "cache_store_log none"
        echo "coredump_dir $work"
        echo "logfile_rotate 0"
        echo "shutdown_lifetime 1 seconds"
        echo "pinger_enable off"
        echo "netdb_filename none"
        echo "minimum_direct_rtt 0"
        echo "server_persistent_connections $persistent"
        echo "acl loopback src 127.0.0.0/8"
        echo "acl purge method PURGE"
        echo "http_access allow purge loopback"
        echo "http_access allow loopback"
        echo "http_access deny all"
        echo "icp_access allow loopback"
        echo "icp_access deny all"
        printf '%s\n' "$@"
    } > "$file"
    /usr/sbin/squid -k parse -f "$file" > "$work/$name-parse.log" 2>&1 || { cat "$work/$name-parse.log" >&2; exit 1; }
}
start_squid() { # NAME ADDRESS
    /usr/sbin/squid -N -f "$work/$1.conf" > "$work/$1.out" 2>&1 &
    pids+=($!)
    for _ in $(seq 300); do (exec 3<>"/dev/tcp/$2/3128") 2>/dev/null && return 0; sleep 0.1; done
    echo "cluster.sh: $1 does not listen on $2:3128" >&2; exit 1
}
front_directives() { # PARENT ADDRESSES...
    local parent
    # no-netdb-exchange: a front that has fetched its parents' netdb (as Squid parents serve it)
    # turns to CLOSEST_PARENT and stops asking by ICP; seen after 60,000 requests.
    for parent in "$@"; do echo "cache_peer $parent parent 3128 3130 no-digest no-netdb-exchange"; done
    echo "prefer_direct off"
    echo "nonhierarchical_direct off"
    echo "cache deny all"
    echo "cache_mem 8 MB"
    echo "icp_query_timeout $icp_timeout"
}
origin_requests() { grep -c '"GET /objects/u' "$1" || true; }
elapsed() { # ACCESS_LOG: measured requests' elapsed-time percentiles (ms) and hierarchy codes
    grep ' http://127.0.0.20:8080/objects/u' "$1" | awk '{ print $2 }' | sort -n \
        | awk '{ a[NR] = $1 } END { printf "elapsed_ms_p50=%s p90=%s p99=%s", a[int(NR * 0.5)], a[int(NR * 0.9)], a[int(NR * 0.99)] }'
    echo " hierarchy: $(grep ' http://127.0.0.20:8080/objects/u' "$1" | awk '{ split($9, h, "/"); print h[1] }' | sort | uniq -c | sort -rn | tr '\n' ' ')"
}
icp_histogram() { # FRONT: Squid's icp.querySvcTime histogram as "bucket microseconds count" lines
    curl -sf -m 10 "http://$1:3128/squid-internal-mgr/histograms" \
        | awk '/histogram:/ { on = ($1 == "icp.querySvcTime"); next } on { split($1, b, "/"); print b[1], b[2], $2 }'
}
icp_time() { # BEFORE AFTER: percentiles (ms) of the requests counted between the two histograms
    awk 'FILENAME == ARGV[1] { before[$1] = $3; next }
         { n = $3 - before[$1]; if (n > 0) { value[++k] = $2; count[k] = n; total += n } }
         END {
             split("50 90 99", q, " ")
             for (j = 1; j <= 3; j++) {
                 seen = 0
                 for (i = 1; i <= k; i++) { seen += count[i]; if (seen >= total * q[j] / 100) break }
                 printf "%sicp_ms_p%s=%.2f", (j > 1 ? " " : ""), q[j], value[i] / 1000
             }
             printf " (%d requests)", total
         }' "$1" "$2"
}
peer_rtt() { # FRONT: each parent's average ICP round trip as the front measured it
    curl -sf -m 10 "http://$1:3128/squid-internal-mgr/server_list" \
        | awk '$1 == "Host" { host = $3 } $1 == "AVG" && $2 == "RTT" { printf "%s%s=%sms", sep, host, $4; sep = " " }'
}
load() { # FRONT FRONT_PID PARENTS PARENT_PID...: the warm-up and its purge, then the measured
         # load; the front's ICP time and the CPU the front and the parents used over the
         # measured part
    local front=$1 front_pid=$2 parents=$3 front_cpu parents_cpu purged
    shift 3
    python3 "$work/load.py" "$front" "$warmup_urls" "$warmup" "$size" w > /dev/null
    # shellcheck disable=SC2086 # the parents' addresses, one word each
    purged=$(python3 "$work/purge.py" "$warmup_urls" "$size" $parents)
    icp_histogram "$front" > "$work/icp-before"
    front_cpu=$(cpu_seconds "$front_pid") parents_cpu=$(cpu_seconds "$@")
    echo "warmup_purged=$purged $(python3 "$work/load.py" "$front" "$urls" "$requests" "$size")" \
        "front_cpu_s=$(awk -v a="$front_cpu" -v b="$(cpu_seconds "$front_pid")" 'BEGIN { printf "%.1f", b - a }')" \
        "parents_cpu_s=$(awk -v a="$parents_cpu" -v b="$(cpu_seconds "$@")" 'BEGIN { printf "%.1f", b - a }')"
    icp_histogram "$front" > "$work/icp-after"
}
joined() { local IFS=,; echo "$*"; }

# Output to the terminal and the result file; the work itself stays in this shell, so that the
# EXIT trap sees every pid it must stop.
exec > >(tee "$out")
{
    echo "# bench/cluster.sh   $(date -u +%Y-%m-%dT%H:%M:%SZ)   $(nproc) cores, $(uname -r)"
    echo "# server_persistent_connections $persistent, icp_query_timeout $icp_timeout"
    echo "# warm-up: $warmup requests for $warmup_urls objects of $size bytes, then purged"
    echo "# memory per cache $memory, $urls objects of $size bytes ($(( urls * size / 1048576 )) MiB), $requests uniform requests, 8 clients"

    # --- Sibyl: bin/cluster-local, nodes with cache.memory = MEMORY
    SIBYL_CACHE_MEMORY=$memory SIBYL_CACHE_PIPE_ENABLED=false JAVA_OPTS="-Xmx256m -XX:MaxDirectMemorySize=256m" \
        "$top/bin/cluster-local" --dir "$work/sibyl" --squid-directive "server_persistent_connections $persistent" \
        --squid-directive "icp_query_timeout $icp_timeout" \
        > /dev/null 2> "$work/cluster-local.log" &
    pids+=($!)
    sibyl_pid=$!
    for _ in $(seq 1200); do [[ -f $work/sibyl/ready ]] && break; sleep 0.1; done
    [[ -f $work/sibyl/ready ]] || { echo "cluster.sh: bin/cluster-local did not start; see $work" >&2; exit 1; }
    line=$(load 127.0.0.10 "$(cat "$work/sibyl/squid-process.pid")" "127.0.0.11 127.0.0.12 127.0.0.13" \
        $(cat "$work"/sibyl/node?.pid))
    sleep 2 # counters settle (access logs flush each second)
    objects=() claims=0
    for i in 1 2 3; do
        objects+=("$(curl -sf -m 20 "http://127.0.0.1$i:3128/squid-internal-mgr/counters" | awk '$1 == "sibyl.objects" { print $3 }')")
    done
    claims=$(curl -sf -m 20 "http://127.0.0.11:3128/squid-internal-mgr/cluster.json" | grep -o '"claims":[0-9]*' | awk -F: '{ s += $2 } END { print s + 0 }')
    echo "RESULT sibyl $line origin_requests=$(origin_requests "$work/sibyl/origin.log") objects=$(joined "${objects[@]}") distinct_claimed=$claims"
    echo "# sibyl front: $(elapsed "$work/sibyl/squid-access.log")"
    echo "# sibyl front ICP: $(icp_time "$work/icp-before" "$work/icp-after"); round trips $(peer_rtt 127.0.0.10)"
    kill "$sibyl_pid"; wait "$sibyl_pid" 2>/dev/null || true

    # --- Squid mesh: three memory-only Squid parents, the same front
    python3 "$top/docker/origin/origin.py" --bind 127.0.0.20 --port 8080 > /dev/null 2> "$work/mesh-origin.log" &
    pids+=($!)
    for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.20/8080) 2>/dev/null && break; sleep 0.1; done
    parent_pids=()
    for i in 1 2 3; do
        squid_conf "$work/parent$i.conf" "parent$i" "127.0.0.4$i" "cache_mem $mem_mb MB" \
            "maximum_object_size_in_memory 1 MB" "memory_cache_mode always"
        start_squid "parent$i" "127.0.0.4$i"
        parent_pids+=("${pids[-1]}")
    done
    mapfile -t directives < <(front_directives 127.0.0.41 127.0.0.42 127.0.0.43)
    squid_conf "$work/front.conf" front 127.0.0.40 "${directives[@]}"
    start_squid front 127.0.0.40
    sleep 3 # the front probes its parents before it asks them by ICP
    line=$(load 127.0.0.40 "${pids[-1]}" "127.0.0.41 127.0.0.42 127.0.0.43" "${parent_pids[@]}")
    objects=() all_urls="$work/mesh-urls"
    : > "$all_urls"
    for i in 1 2 3; do
        # Squid 5.7 leaves this page's connection open after the last object: read until quiet.
        { curl -s -m 15 "http://127.0.0.4$i:3128/squid-internal-mgr/objects" || true; } \
            | awk '$1 == "GET" && $2 ~ /objects\// { print $2 }' > "$work/parent$i-urls"
        objects+=("$(wc -l < "$work/parent$i-urls")")
        cat "$work/parent$i-urls" >> "$all_urls"
    done
    distinct=$(sort -u "$all_urls" | wc -l)
    echo "RESULT mesh $line origin_requests=$(origin_requests "$work/mesh-origin.log") objects=$(joined "${objects[@]}") distinct_stored=$distinct"
    echo "# mesh front: $(elapsed "$work/front-access.log")"
    echo "# mesh front ICP: $(icp_time "$work/icp-before" "$work/icp-after"); round trips $(peer_rtt 127.0.0.40)"
}
echo "written to $out"
