#!/usr/bin/env bash
# Squid in front of three Sibyl nodes against the same Squid in front of three plain Squid
# parents (memory caches, ICP), the issue's workload: URLS distinct objects of SIZE bytes, asked
# for in ROUNDS rounds, each round every URL once in a new random order, by CLIENTS client
# connections through the front. The fronts cache nothing (cache deny all): every hit is a
# parent's. Each setup runs two phases on processes started just before: "cold" (the JVMs and
# Squids fresh) and "warm" (right after, on URLS new objects). Everything on 127.0.0.x, stopped
# by pid at the end.
#
#   bench/cluster.sh       MEMORY=16m SIZE=65536 URLS=640 ROUNDS=4 CLIENTS=4 ICP_QUERY_TIMEOUT=50
#
# ICP_QUERY_TIMEOUT is the fronts' icp_query_timeout in milliseconds: 50 as docker/squid ships
# it; 0 is Squid's own dynamic timeout (twice the parents' mean round trip, at least 5 ms).
# PHASES="cold warm" by default; SKIP_MESH=1 runs the Sibyl cluster only; NODE_JAVA_OPTS
# replaces the nodes' JVM options (-Xmx256m -XX:MaxDirectMemorySize=256m -XX:TieredStopAtLevel=1,
# C1 only, as bin/cluster-local and docker-compose.yml run nodes; without the last, C2 too).
#
# Reported per setup and phase:
#   - each round's request latency at the client, p50 and p99 (ms), and failed requests;
#   - Squid's ICP service time (mgr:histograms icp.querySvcTime: from sending the queries to
#     choosing a parent), p50 and p99, and the front's TIMEOUT_* routings;
#   - the CPU seconds the three parents and the front used;
#   - the origin's requests (a hit is any request it did not see);
# and at the end: objects and bytes per parent (balance), copies per URL, and for Sibyl the
# cluster writes (claims) per stored URL, split into stores by the URL's partition owner and
# stores elsewhere.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
memory=${MEMORY:-16m}
size=${SIZE:-65536}
urls=${URLS:-640}
rounds=${ROUNDS:-4}
clients=${CLIENTS:-4}
icp_timeout=${ICP_QUERY_TIMEOUT:-50}
persistent=${PERSISTENT:-off}
mem_mb=${memory%m}
work=$(mktemp -d /tmp/sibyl-cluster-bench.XXXXXX)
chmod 777 "$work"
mkdir -p "$top/bench/out"
out=${OUT:-$top/bench/out/cluster-$(date -u +%Y%m%dT%H%M%SZ).txt}
[[ -x /usr/sbin/squid ]] || { echo "cluster.sh: squid is not installed (apt-get install -y squid)" >&2; exit 1; }
[[ -f $top/node/target/sibyl-node.jar ]] || (cd "$top" && mvn -B -q -DskipTests package)
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"

# ROUNDS rounds over URLS objects, each a new permutation (fixed seed), split among CLIENTS
# threads, each with a kept-alive connection to the front; a round starts when the last ended.
cat > "$work/load.py" <<'PY'
import http.client, random, sys, threading, time
front, urls, rounds, clients, size, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
rng = random.Random(2186)
def run(part, times, failures):
    connection = None
    for i in part:
        url = "http://127.0.0.20:8080/objects/%s%d?size=%d" % (prefix, i, size)
        for attempt in range(2):
            start = time.perf_counter()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(front, 3128, timeout=30)
                connection.request("GET", url)
                response = connection.getresponse()
                body = response.read()
                times.append((time.perf_counter() - start) * 1000)
                if response.status != 200 or len(body) != size:
                    failures.append(url)
                break
            except Exception:
                connection = None
                if attempt == 1:
                    failures.append(url)
def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")
for r in range(1, rounds + 1):
    order = list(range(urls))
    rng.shuffle(order)
    times, failures = [], []
    threads = [threading.Thread(target=run, args=(order[k::clients], times, failures)) for k in range(clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("round=%d p50_ms=%.2f p99_ms=%.2f failed=%d" % (r, pct(times, 0.5), pct(times, 0.99), len(failures)))
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
origin_requests() { grep -c "\"GET /objects/$2" "$1" || true; }
timeouts() { grep -c "TIMEOUT_" "$1" || true; } # ACCESS_LOG: routings made on ICP timeout
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
phase() { # NAME PREFIX FRONT FRONT_PID ACCESS_LOG ORIGIN_LOG PARENT_PID...: one phase, reported
    local name=$1 prefix=$2 front=$3 front_pid=$4 access=$5 origin=$6 front_cpu parents_cpu timeouts_before
    shift 6
    icp_histogram "$front" > "$work/icp-before"
    timeouts_before=$(timeouts "$access")
    front_cpu=$(cpu_seconds "$front_pid") parents_cpu=$(cpu_seconds "$@")
    python3 "$work/load.py" "$front" "$urls" "$rounds" "$clients" "$size" "$prefix" | sed "s/^/  $name /"
    echo "  $name parents_cpu_s=$(awk -v a="$parents_cpu" -v b="$(cpu_seconds "$@")" 'BEGIN { printf "%.1f", b - a }')" \
        "front_cpu_s=$(awk -v a="$front_cpu" -v b="$(cpu_seconds "$front_pid")" 'BEGIN { printf "%.1f", b - a }')"
    icp_histogram "$front" > "$work/icp-after"
    sleep 1.5 # the access logs flush each second
    echo "  $name $(icp_time "$work/icp-before" "$work/icp-after") timeouts=$(( $(timeouts "$access") - timeouts_before ))" \
        "origin_requests=$(origin_requests "$origin" "$prefix")"
}
counter() { # PAGE_TEXT NAME
    awk -v name="$2" '$1 == name { print $3 }' <<< "$1"
}

exec > >(tee "$out")
{
    echo "# bench/cluster.sh   $(date -u +%Y-%m-%dT%H:%M:%SZ)   $(nproc) cores, $(uname -r)"
    echo "# icp_query_timeout $icp_timeout, server_persistent_connections $persistent"
    echo "# $urls objects of $size bytes, $rounds rounds, $clients clients; memory per parent $memory"

    # --- Sibyl: bin/cluster-local, nodes with cache.memory = MEMORY, started just now
    SIBYL_CACHE_MEMORY=$memory JAVA_OPTS="${NODE_JAVA_OPTS:--Xmx256m -XX:MaxDirectMemorySize=256m -XX:TieredStopAtLevel=1}" \
        "$top/bin/cluster-local" --dir "$work/sibyl" --squid-directive "server_persistent_connections $persistent" \
        --squid-directive "icp_query_timeout $icp_timeout" \
        > /dev/null 2> "$work/cluster-local.log" &
    pids+=($!)
    sibyl_pid=$!
    for _ in $(seq 1200); do [[ -f $work/sibyl/ready ]] && break; sleep 0.1; done
    [[ -f $work/sibyl/ready ]] || { echo "cluster.sh: bin/cluster-local did not start; see $work" >&2; exit 1; }
    sleep 3 # as for the mesh below: the front (started last) probes its parents before it asks them by ICP
    echo "sibyl: $(grep -h "warmed up" "$work"/sibyl/node?.log | sed 's/.*: warmed up/warmed up/' | head -3 | paste -sd ';' -)"
    node_pids=$(cat "$work"/sibyl/node?.pid)
    squid_pid=$(cat "$work/sibyl/squid-process.pid")
    for name in ${PHASES:-cold warm}; do
        # shellcheck disable=SC2086 # one pid a word
        phase "$name" "${name:0:1}" 127.0.0.10 "$squid_pid" "$work/sibyl/squid-access.log" "$work/sibyl/origin.log" $node_pids
    done
    objects=() bytes=() written=0 placed=0 elsewhere=0 overflows=0 handovers=0
    for i in 1 2 3; do
        page=$(curl -sf -m 20 "http://127.0.0.1$i:3128/squid-internal-mgr/counters")
        objects+=("$(counter "$page" sibyl.objects)")
        bytes+=("$(counter "$page" sibyl.bytes_stored)")
        written=$((written + $(counter "$page" sibyl.cluster.claims_written)))
        placed=$((placed + $(counter "$page" sibyl.cluster.stores_placed)))
        elsewhere=$((elsewhere + $(counter "$page" sibyl.cluster.stores_elsewhere)))
        overflows=$((overflows + $(counter "$page" sibyl.cluster.overflow_routes)))
        handovers=$((handovers + $(counter "$page" sibyl.cluster.handover_routes)))
    done
    echo "sibyl objects=$(IFS=,; echo "${objects[*]}") bytes=$(IFS=,; echo "${bytes[*]}")" \
        "balance=$(printf '%s\n' "${objects[@]}" | awk '{ v[NR] = $1; s += $1 } END { m = s / NR; for (i in v) { d = (v[i] - m) / m; if (d < 0) d = -d; if (d > w) w = d } printf "%.1f%%", w * 100 }')" \
        "stores_placed=$placed stores_elsewhere=$elsewhere claims_written=$written" \
        "claims_per_store=$(awk -v w="$written" -v s="$((placed + elsewhere))" 'BEGIN { printf "%.3f", s ? w / s : 0 }')" \
        "overflow_routes=$overflows handover_routes=$handovers"
    kill "$sibyl_pid"; wait "$sibyl_pid" 2>/dev/null || true
    [[ ${SKIP_MESH:-0} == 1 ]] && exit 0

    # --- Squid mesh: three memory-only Squid parents, the same front, started just now
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
    front_pid=${pids[-1]}
    sleep 3 # the front probes its parents before it asks them by ICP
    echo "mesh:"
    for name in ${PHASES:-cold warm}; do
        phase "$name" "${name:0:1}" 127.0.0.40 "$front_pid" "$work/front-access.log" "$work/mesh-origin.log" "${parent_pids[@]}"
    done
    objects=() all_urls="$work/mesh-urls"
    : > "$all_urls"
    for i in 1 2 3; do
        # Squid 5.7 leaves this page's connection open after the last object: read until quiet.
        { curl -s -m 15 "http://127.0.0.4$i:3128/squid-internal-mgr/objects" || true; } \
            | awk '$1 == "GET" && $2 ~ /objects\// { print $2 }' > "$work/parent$i-urls"
        objects+=("$(wc -l < "$work/parent$i-urls")")
        cat "$work/parent$i-urls" >> "$all_urls"
    done
    echo "mesh objects=$(IFS=,; echo "${objects[*]}") distinct_stored=$(sort -u "$all_urls" | wc -l)"
}
echo "written to $out"
