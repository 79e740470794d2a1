#!/usr/bin/env bash
# HTTP hit path: a Sibyl node against Varnish (malloc storage) and nginx proxy_cache, all
# in front of one origin (a separate nginx) and warmed with the same objects (by default of
# 1 KiB, 64 KiB, 1 MiB and 16 MiB); then wrk against each, size by size, in one run. Everything
# listens on 127.0.0.1 and stops by itself; only the processes this script started are stopped,
# by pid.
#
# Servers: node (the node's default settings), pipe (every body in the pipe store:
# cache.pipe's band 0..32m), direct (cache.pipe.enabled = false: every body in direct memory),
# varnish, nginx. The pipe-store comparison is
#   SERVERS="node pipe direct varnish" SIZES="4k 64k 256k 1m 4m 16m" bench/http.sh
#
#   bench/http.sh [SECONDS] [CONNECTIONS]        compare (defaults 10 and 64): per server and size
#                                                requests/s, MiB/s, p99 and server CPU s per GiB
#   bench/http.sh alloc [SECONDS] [CONNECTIONS]  node only: Java heap bytes allocated per hit
#                                                (JFR jdk.ThreadAllocationStatistics) per size
#   bench/http.sh heap [OBJECTS]                 node only: fill it with OBJECTS (default 256)
#                                                distinct 16 MiB bodies, then its heap after a GC
#
# MiB/s and CPU per GiB count what wrk read (headers and bodies). CPU is utime + stime of the
# server's whole process tree (nginx master and workers, varnishd and its child, the JVM),
# read from /proc before and after each wrk run.
#
# The table's server, wrk and other columns are cores busy during the run: the server's tree,
# wrk, and everything else on the machine (other tenants).
#
# Environment (not SIBYL_*, which are node settings):
#   WARMUP          seconds of wrk per server and size in a first, unmeasured round (the JVM's
#                   JIT needs it; default 5); each measured run follows 2 s more of the same
#   WAIT_QUIET      on a shared machine, wait up to that many seconds before each server and
#                   size for the machine to be idle (under 15% of a core over 2 s); default 0
#   THREADS         wrk threads (default 2)
#   PORT_BASE       default 18080: origin, node HTTP, Varnish, nginx cache, node ICP, then
#                   pipe HTTP and ICP, direct HTTP and ICP
#   NODE_JAVA_OPTS  default -Xmx256m -XX:MaxDirectMemorySize=2g (heap mode: ...=6g)
#   NODE_CACHE_MEMORY  default 1g (heap mode: 5g)
#   SERVERS, SIZES  subsets, e.g. SERVERS="node varnish" SIZES="1k 16m"
#   PIPE_SETTINGS   more settings for the pipe server, e.g. "cache.pipe.size = 1m"
#   OUT             result file, default bench/out/http-MODE-DATE.txt
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=compare
if [[ ${1:-} == alloc || ${1:-} == heap || ${1:-} == compare ]]; then
    mode=$1
    shift
fi
if [[ $mode == heap ]]; then
    objects=${1:-256}
else
    seconds=${1:-10}
    connections=${2:-64}
fi
warmup=${WARMUP:-5}
rewarm=$((warmup < 2 ? warmup : 2))
threads=${THREADS:-2}
base=${PORT_BASE:-18080}
origin_port=$base node_port=$((base + 1)) varnish_port=$((base + 2)) nginx_port=$((base + 3)) icp_port=$((base + 4))
pipe_port=$((base + 5)) direct_port=$((base + 7))
if [[ $mode == heap ]]; then
    node_opts=${NODE_JAVA_OPTS:--Xmx256m -XX:MaxDirectMemorySize=6g}
    cache_memory=${NODE_CACHE_MEMORY:-5g}
else
    node_opts=${NODE_JAVA_OPTS:--Xmx256m -XX:MaxDirectMemorySize=2g}
    cache_memory=${NODE_CACHE_MEMORY:-1g}
fi
read -r -a sizes <<< "${SIZES:-1k 64k 1m 16m}"
declare -A bytes_of=([1k]=1024 [4k]=4096 [64k]=65536 [128k]=131072 [192k]=196608 [256k]=262144 [384k]=393216 [512k]=524288 [1m]=1048576 [4m]=4194304 [16m]=16777216)
for size in "${sizes[@]}"; do [[ -n ${bytes_of[$size]:-} ]] || { echo "http.sh: unknown size $size (${!bytes_of[*]})" >&2; exit 2; }; done
tck=$(getconf CLK_TCK)

work=$(mktemp -d /tmp/sibyl-http-bench.XXXXXX)
chmod 755 "$work"   # nginx workers started by root run as nobody and read the files here
mkdir -p "$top/bench/out"
out=${OUT:-$top/bench/out/http-$mode-$(date -u +%Y%m%dT%H%M%SZ).txt}
declare -A pid_of=()
cleanup() {
    local pid
    for pid in "${pid_of[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pid_of[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "http.sh: $*" >&2
    for f in "$work"/*.log; do [[ -s $f ]] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
    exit 1
}

for tool in wrk curl jq; do
    command -v "$tool" >/dev/null || fail "$tool is not installed: apt-get install -y $tool"
done
[[ -x /usr/sbin/nginx ]] || fail "nginx is not installed: apt-get install -y nginx"
[[ $mode != compare || -x /usr/sbin/varnishd ]] || fail "varnishd is not installed: apt-get install -y varnish"
[[ -f $top/node/target/sibyl-node.jar ]] || (cd "$top" && mvn -B -q -DskipTests package)

# The objects: random bytes, so no layer can compress them.
mkdir -p "$work/www"
for size in "${sizes[@]}"; do
    head -c "${bytes_of[$size]}" /dev/urandom > "$work/www/$size.bin"
done

nginx_user=""
[[ $EUID -eq 0 ]] && nginx_user="user nobody nogroup;"

# The origin: static files, fresh for an hour; /big/ANY serves the 16 MiB file under any name.
mkdir -p "$work/origin"
cat > "$work/origin/nginx.conf" <<CONF
$nginx_user
daemon off;
master_process on;
worker_processes 1;
pid $work/origin/nginx.pid;
error_log $work/origin.log warn;
events { worker_connections 4096; }
http {
    access_log $work/origin-access.log;
    sendfile on;
    tcp_nopush off;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$origin_port;
        root $work/www;
        add_header Cache-Control "max-age=3600";
        location /big/ { rewrite ^ /16m.bin last; }
    }
}
CONF

# nginx proxy_cache: as many workers as cores, the cache under the work directory.
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
$nginx_user
daemon off;
master_process on;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush off;
    keepalive_requests 1000000;
    proxy_cache_path $work/nginx/cache levels=1:2 keys_zone=bench:16m max_size=2g inactive=1h use_temp_path=off;
    upstream origin { server 127.0.0.1:$origin_port; keepalive 32; }
    server {
        listen 127.0.0.1:$nginx_port reuseport;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache bench;
            proxy_cache_valid 200 1h;
            proxy_cache_lock on;
            add_header X-Cache-Status \$upstream_cache_status;
        }
    }
}
CONF

node_conf() { # NAME HTTP_PORT ICP_PORT EXTRA
    cat > "$work/$1.conf" <<CONF
node.name = bench
icp.listen = ["127.0.0.1:$3"]
http.listen = ["127.0.0.1:$2"]
admin.listen = ["127.0.0.1:0"]
http.accelerate { "*" = "127.0.0.1:$origin_port" }
cache.memory = $cache_memory
cache.max-object-size = 32m
$4
CONF
}
node_conf node "$node_port" "$icp_port" ""
node_conf pipe "$pipe_port" $((base + 6)) "cache.pipe { min-object-size = 0, max-object-size = 32m }
${PIPE_SETTINGS:-}"
node_conf direct "$direct_port" $((base + 8)) "cache.pipe.enabled = false"

# wrk's own summary, exact (its printed one rounds bytes to 2 digits).
cat > "$work/summary.lua" <<'LUA'
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("WRK requests=%d bytes=%d duration_us=%d p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
        summary.requests, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(99),
        e.connect + e.read + e.write + e.timeout, e.status))
end
LUA

wait_tcp() { # NAME PORT
    for _ in $(seq 600); do
        ss -ltnH "sport = :$2" | grep -qE "(^|[^0-9])127\.0\.0\.1(]|):$2 " && return 0
        [[ -n ${pid_of[$1]:-} ]] && ! kill -0 "${pid_of[$1]}" 2>/dev/null && fail "$1 exited at start"
        sleep 0.1
    done
    fail "nothing listens on 127.0.0.1:$2 ($1)"
}

start_origin() {
    /usr/sbin/nginx -p "$work/origin" -c "$work/origin/nginx.conf" -e "$work/origin.log" 2>>"$work/origin.log" &
    pid_of[origin]=$!
    wait_tcp origin "$origin_port"
}
start_node() { # [NAME]: node (default), pipe or direct
    local name=${1:-node}
    JAVA_OPTS="$node_opts" "$top/bin/sibyl" node --config "$work/$name.conf" 2> "$work/$name.log" &
    pid_of[$name]=$!
    wait_tcp "$name" "$(port_of "$name")"
}
start_pipe() { start_node pipe; }
start_direct() { start_node direct; }
start_varnish() {
    # -j none: no privilege separation (varnishd would otherwise want its own users);
    # -T none: no management port.
    /usr/sbin/varnishd -F -j none -T none -a "127.0.0.1:$varnish_port" -b "127.0.0.1:$origin_port" \
        -s malloc,1g -n "$work/varnish" > "$work/varnish.log" 2>&1 &
    pid_of[varnish]=$!
    wait_tcp varnish "$varnish_port"
}
start_nginx() {
    /usr/sbin/nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx.log" 2>>"$work/nginx.log" &
    pid_of[nginx]=$!
    wait_tcp nginx "$nginx_port"
}

tree() { # PID: it and all its descendants
    local p
    echo "$1"
    for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do tree "$p"; done
}
cpu_ticks() { # PID: utime + stime of its process tree, in clock ticks
    local total=0 p stat
    for p in $(tree "$1"); do
        stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        stat=${stat##*) }
        read -r -a f <<< "$stat"
        total=$((total + f[11] + f[12]))
    done
    echo "$total"
}
busy_ticks() { # CPU time of the whole machine outside idle and iowait, and its softirq share, in ticks
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $8; exit }' /proc/stat
}
wait_quiet() { # up to WAIT_QUIET seconds for the machine to be idle (under 15% of a core over 2 s)
    local end=$((SECONDS + ${WAIT_QUIET:-0})) a b
    while ((SECONDS < end)); do
        read -r a _ <<< "$(busy_ticks)"; sleep 2; read -r b _ <<< "$(busy_ticks)"
        ((b - a < 2 * tck * 15 / 100)) && return 0
    done
}
port_of() {
    case $1 in node) echo "$node_port" ;; pipe) echo "$pipe_port" ;; direct) echo "$direct_port" ;; varnish) echo "$varnish_port" ;; nginx) echo "$nginx_port" ;; origin) echo "$origin_port" ;; esac
}
is_node() { [[ $1 == node || $1 == pipe || $1 == direct ]]; }
counter() { # NAME [SERVER]: one of a node's counters
    curl -sf -H 'Host: x' "http://127.0.0.1:$(port_of "${2:-node}")/squid-internal-mgr/counters" | awk -v k="$1" '$1 == k { print $3 }'
}
counters() { # SERVER: client_http.requests and client_http.hits, on one line
    curl -sf -H 'Host: x' "http://127.0.0.1:$(port_of "$1")/squid-internal-mgr/counters" \
        | awk '$1 == "client_http.requests" { r = $3 } $1 == "client_http.hits" { h = $3 } END { print r, h }'
}
origin_requests() { wc -l < "$work/origin-access.log"; }

# Fills SERVER with every object, then checks that the next answer is a hit and byte for byte the file.
warm() { # SERVER
    local server=$1 port size url headers
    port=$(port_of "$server")
    for size in "${sizes[@]}"; do
        url=http://127.0.0.1:$port/$size.bin
        curl -sf -o /dev/null "$url" || fail "$server: GET $url failed"
        sleep 0.2
        curl -sf -D "$work/headers" -o "$work/got" "$url" || fail "$server: GET $url failed"
        cmp -s "$work/got" "$work/www/$size.bin" || fail "$server: $url differs from the origin's file"
        headers=$(tr -d '\r' < "$work/headers")
        case $server in
            node | pipe | direct) grep -qx 'X-Cache: HIT from bench' <<< "$headers" ;;
            varnish) grep -qE '^X-Varnish: [0-9]+ [0-9]+$' <<< "$headers" ;;
            nginx) grep -qx 'X-Cache-Status: HIT' <<< "$headers" ;;
        esac || fail "$server: $url is not a hit after warming:"$'\n'"$headers"
        curl -sf -I -o /dev/null "$url" || fail "$server: HEAD $url failed"
    done
    echo "# $server: warmed, every object a hit and identical to the origin's file"
    if is_node "$server"; then
        echo "# $server: $(curl -sf -H 'Host: x' "http://127.0.0.1:$port/squid-internal-mgr/counters" | awk '$1 ~ /^sibyl.store.(pipe|direct)_bodies$/ { printf "%s %s ", $1, $3 }')"
    fi
}

run_wrk() { # SERVER SIZE SECONDS -> "WRK ..." line with cpu= wrk_cpu= appended
    local server=$1 size=$2 secs=$3 before after busy_before busy_after soft_before soft_after line wrk_cpu TIMEFORMAT='%U %S'
    before=$(cpu_ticks "${pid_of[$server]}")
    read -r busy_before soft_before <<< "$(busy_ticks)"
    { time wrk -t"$threads" -c"$connections" -d"${secs}s" --timeout 10s -s "$work/summary.lua" \
        "http://127.0.0.1:$(port_of "$server")/$size.bin" > "$work/wrk.out" 2>&1 ; } 2> "$work/wrk.time"
    after=$(cpu_ticks "${pid_of[$server]}")
    read -r busy_after soft_after <<< "$(busy_ticks)"
    line=$(grep '^WRK ' "$work/wrk.out") || { cat "$work/wrk.out" >&2; fail "wrk failed against $server"; }
    wrk_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$work/wrk.time")
    # Whatever else ran on the machine meanwhile (other tenants): all busy CPU time minus the
    # server's and wrk's. softirq (loopback TCP) is for information: the kernel charges it to
    # the process it interrupts, so it is already inside the server's and wrk's times.
    echo "$line cpu_s=$(awk -v t=$((after - before)) -v hz="$tck" 'BEGIN { printf "%.2f", t / hz }') wrk_cpu_s=$wrk_cpu" \
        "softirq_s=$(awk -v t=$((soft_after - soft_before)) -v hz="$tck" 'BEGIN { printf "%.2f", t / hz }')" \
        "other_cpu_s=$(awk -v b=$((busy_after - busy_before)) -v t=$((after - before)) \
            -v w="$wrk_cpu" -v hz="$tck" 'BEGIN { o = (b - t) / hz - w; printf "%.2f", o < 0 ? 0 : o }')"
}

field() { # LINE KEY
    local kv
    for kv in $1; do [[ $kv == "$2="* ]] && { echo "${kv#*=}"; return; }; done
}

header() {
    echo "# bench/http.sh $mode $*   $(date -u +%Y-%m-%dT%H:%M:%SZ)   $(nproc) cores, $(uname -r)"
    echo "# $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); origin and proxy_cache: $(/usr/sbin/nginx -v 2>&1 | cut -d' ' -f3)"
    echo "# node: JAVA_OPTS='$node_opts' cache.memory=$cache_memory; $(java -version 2>&1 | head -1)"
}

compare() {
    [[ " ${servers[*]} " == *" varnish "* ]] && echo "# $(/usr/sbin/varnishd -V 2>&1 | head -1) -s malloc,1g"
    local size server line origin_before node_before req hits
    if [[ $warmup -gt 0 ]]; then
        for size in "${sizes[@]}"; do
            for server in "${servers[@]}"; do run_wrk "$server" "$size" "$warmup" > /dev/null; done
        done
    fi
    for size in "${sizes[@]}"; do
        for server in "${servers[@]}"; do
            wait_quiet
            [[ $rewarm -gt 0 ]] && run_wrk "$server" "$size" "$rewarm" > /dev/null
            origin_before=$(origin_requests)
            is_node "$server" && node_before=$(counters "$server")
            line=$(run_wrk "$server" "$size" "$seconds")
            (( $(origin_requests) == origin_before )) || echo "# WARNING: $server $size: $(( $(origin_requests) - origin_before )) requests reached the origin"
            if is_node "$server"; then
                # What the node counted (wrk leaves out the requests in flight when it stops);
                # one non-hit is the counters page itself.
                read -r req hits <<< "$(paste <(echo "$node_before") <(counters "$server") | awk '{ print $3 - $1, $4 - $2 }')"
                line="$line node_requests=$req node_non_hits=$((req - hits - 1))"
            fi
            echo "RESULT $server $size $line"
        done
    done
}

table() { # results file
    awk '
        $1 == "RESULT" {
            s = $2; z = $3
            for (i = 4; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            t = v["duration_us"] / 1e6
            rps[s, z] = v["requests"] / t
            mibs[s, z] = v["bytes"] / t / 1048576
            p99[s, z] = v["p99_us"] / 1000
            cpg[s, z] = v["bytes"] > 0 ? v["cpu_s"] / (v["bytes"] / 1073741824) : 0
            err[s, z] = v["errors"] + v["non2xx"]
            wcpu[s, z] = v["wrk_cpu_s"] / t
            scpu[s, z] = v["cpu_s"] / t
            ocpu[s, z] = v["other_cpu_s"] / t
            seen[s] = 1; if (!(z in zs)) { zs[z] = ++nz; zn[nz] = z }
        }
        END {
            printf "%-8s %-5s %10s %9s %9s %10s %8s %8s %8s %7s\n", "server", "size", "req/s", "MiB/s", "p99 ms", "CPU s/GiB", "server", "wrk", "other", "errors"
            split("node pipe direct varnish nginx", order, " ")
            for (k = 1; k <= nz; k++) {
                z = zn[k]
                for (j = 1; j <= 5; j++) {
                    s = order[j]; if (!seen[s]) continue
                    printf "%-8s %-5s %10.0f %9.1f %9.2f %10.3f %7.2fc %7.2fc %7.2fc %7d\n", s, z, rps[s, z], mibs[s, z], p99[s, z], cpg[s, z], scpu[s, z], wcpu[s, z], ocpu[s, z], err[s, z]
                }
            }
            if (seen["varnish"] && seen["nginx"]) {
                print ""
                printf "%-5s %12s %12s %12s %14s\n", "size", "node/best", "node/best", "p99", "CPU/GiB"
                printf "%-5s %12s %12s %12s %14s\n", "", "req/s", "MiB/s", "node/best", "node/best"
                for (k = 1; k <= nz; k++) {
                    z = zn[k]
                    br = rps["varnish", z] > rps["nginx", z] ? rps["varnish", z] : rps["nginx", z]
                    bm = mibs["varnish", z] > mibs["nginx", z] ? mibs["varnish", z] : mibs["nginx", z]
                    bp = p99["varnish", z] < p99["nginx", z] ? p99["varnish", z] : p99["nginx", z]
                    bc = cpg["varnish", z] < cpg["nginx", z] ? cpg["varnish", z] : cpg["nginx", z]
                    printf "%-5s %12.2f %12.2f %12.2f %14.2f\n", z, rps["node", z] / br, mibs["node", z] / bm, p99["node", z] / bp, cpg["node", z] / bc
                }
            }
            if (seen["direct"] && (seen["pipe"] || seen["node"])) {
                print ""
                printf "%-5s %12s %12s %14s %12s %12s %14s\n", "size", "pipe/direct", "pipe/direct", "pipe/direct", "node/direct", "node/direct", "node/direct"
                printf "%-5s %12s %12s %14s %12s %12s %14s\n", "", "req/s", "p99", "CPU/GiB", "req/s", "p99", "CPU/GiB"
                for (k = 1; k <= nz; k++) {
                    z = zn[k]; d = "direct"
                    printf "%-5s %12.2f %12.2f %14.2f %12.2f %12.2f %14.2f\n", z,
                        seen["pipe"] ? rps["pipe", z] / rps[d, z] : 0, seen["pipe"] ? p99["pipe", z] / p99[d, z] : 0, seen["pipe"] ? cpg["pipe", z] / cpg[d, z] : 0,
                        seen["node"] ? rps["node", z] / rps[d, z] : 0, seen["node"] ? p99["node", z] / p99[d, z] : 0, seen["node"] ? cpg["node", z] / cpg[d, z] : 0
                }
                if (seen["varnish"]) {
                    print ""
                    printf "%-5s %14s %14s %14s %14s\n", "size", "pipe/varnish", "pipe/varnish", "direct/varnish", "direct/varnish"
                    printf "%-5s %14s %14s %14s %14s\n", "", "req/s", "CPU/GiB", "req/s", "CPU/GiB"
                    for (k = 1; k <= nz; k++) {
                        z = zn[k]
                        printf "%-5s %14.2f %14.2f %14.2f %14.2f\n", z, seen["pipe"] ? rps["pipe", z] / rps["varnish", z] : 0,
                            seen["pipe"] ? cpg["pipe", z] / cpg["varnish", z] : 0, rps["direct", z] / rps["varnish", z], cpg["direct", z] / cpg["varnish", z]
                    }
                }
            }
        }' "$1"
}

node_log_check() {
    local name
    for name in node pipe direct; do
        [[ -f $work/$name.log ]] || continue
        if grep -E 'ERROR|WARN|Exception|LEAK' "$work/$name.log" > "$work/node-problems"; then
            echo "# $name log: $(grep -cE ' (WARN|ERROR) ' "$work/$name.log") warnings or errors; distinct lines (timestamps cut):"
            sed -E 's/^[0-9T:.-]+Z //' "$work/node-problems" | sort | uniq -c | sort -rn | sed -n 's/^/#   /; 1,20p'
        else
            echo "# $name log: no warnings or errors"
        fi
        grep -m1 -E 'kept in (pipes|direct memory)' "$work/$name.log" | sed -E "s/^[0-9T:.-]+Z /# $name: /" || true
    done
}

case $mode in
compare)
    read -r -a servers <<< "${SERVERS:-node varnish nginx}"
    start_origin
    for server in "${servers[@]}"; do "start_$server"; done
    {
        header "$seconds" "$connections"
        echo "# wrk -t$threads -c$connections -d${seconds}s per server and size; unmeasured: ${warmup}s of each first, ${rewarm}s just before"
        for server in "${servers[@]}"; do warm "$server"; done
        compare
        node_log_check
    } | tee "$out"
    echo
    table "$out" | tee -a "$out"
    ;;

alloc)
    # Java heap allocated per hit: JFR's per-thread allocation counters, read when a recording
    # starts and when it ends (one chunk), around one wrk run per size.
    servers=(node)
    start_origin
    start_node
    cat > "$work/alloc.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="alloc">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">everyChunk</setting></event>
  <event name="jdk.ObjectAllocationSample"><setting name="enabled">true</setting><setting name="throttle">300/s</setting><setting name="stackTrace">true</setting></event>
  <event name="jdk.GarbageCollection"><setting name="enabled">true</setting><setting name="threshold">0 ms</setting></event>
</configuration>
JFC
    jpid=${pid_of[node]}
    {
        header "$seconds" "$connections"
        echo "# wrk -t$threads -c$connections -d${seconds}s per size; unmeasured: ${warmup}s of each first, ${rewarm}s just before; JFR around the measured run"
        warm node
        for size in "${sizes[@]}"; do
            [[ $warmup -gt 0 ]] && run_wrk node "$size" "$warmup" > /dev/null
        done
        for size in "${sizes[@]}"; do
            wait_quiet
            [[ $rewarm -gt 0 ]] && run_wrk node "$size" "$rewarm" > /dev/null
            jcmd "$jpid" JFR.start name=alloc settings="$work/alloc.jfc" > /dev/null
            line=$(run_wrk node "$size" "$seconds")
            jcmd "$jpid" JFR.stop name=alloc filename="$work/alloc-$size.jfr" > /dev/null
            jfr print --json --events jdk.ThreadAllocationStatistics "$work/alloc-$size.jfr" > "$work/tas.json"
            # Per thread: allocated at the end minus at the start.
            read -r http all < <(jq -r '[.recording.events[] | {t: .values.thread.javaName, a: .values.allocated}]
                | group_by(.t) | map({t: .[0].t, d: ((map(.a) | max) - (map(.a) | min))})
                | [(map(select(.t | startswith("sibyl-http"))) | map(.d) | add), (map(.d) | add)] | "\(.[0]) \(.[1])"' "$work/tas.json")
            gcs=$(jfr print --json --events jdk.GarbageCollection "$work/alloc-$size.jfr" | jq '.recording.events | length')
            requests=$(field "$line" requests)
            echo "ALLOC node $size requests=$requests http_threads_bytes=$http all_threads_bytes=$all gcs=$gcs" \
                "http_bytes_per_request=$(awk -v b="$http" -v r="$requests" 'BEGIN { printf "%.0f", b / r }')" \
                "all_bytes_per_request=$(awk -v b="$all" -v r="$requests" 'BEGIN { printf "%.0f", b / r }')"
            echo "# $size: heaviest sampled allocations (class: sampled bytes, share)"
            jfr print --json --events jdk.ObjectAllocationSample "$work/alloc-$size.jfr" \
                | jq -r '.recording.events | map({c: .values.objectClass.name, w: .values.weight}) | (map(.w) | add) as $t
                    | group_by(.c) | map({c: .[0].c, w: (map(.w) | add)}) | sort_by(-.w) | .[:8][]
                    | "#   \(.c): \(.w) \((.w * 100 / $t) | floor)%"'
        done
        node_log_check
    } | tee "$out"
    ;;

heap)
    # The node holding OBJECTS distinct 16 MiB bodies (the origin serves /big/N under any N).
    start_origin
    start_node
    jpid=${pid_of[node]}
    heap_used() { # after a full GC, in KiB, as G1 reports it ("garbage-first heap total ..., used ...K")
        jcmd "$jpid" GC.run > /dev/null
        jcmd "$jpid" GC.heap_info | tee -a "$work/heap_info" | awk '/heap/ && /used/ { for (i = 1; i <= NF; i++) if ($i == "used") { sub("K", "", $(i + 1)); print $(i + 1); exit } }'
    }
    {
        header "$objects"
        echo "# heap used after GC.run at start: $(heap_used) KiB"
        start=$(date +%s)
        seq "$objects" | xargs -P 2 -I N curl -sf -o /dev/null "http://127.0.0.1:$node_port/big/N.bin" \
            || fail "a fill request failed"
        echo "# filled $objects x 16 MiB in $(( $(date +%s) - start )) s"
        hits_before=$(counter client_http.hits)
        seq "$objects" | xargs -P 2 -I N curl -sf -o /dev/null "http://127.0.0.1:$node_port/big/N.bin" \
            || fail "a hit request failed"
        curl -sf -o "$work/got" "http://127.0.0.1:$node_port/big/1.bin"
        cmp -s "$work/got" "$work/www/16m.bin" && echo "# /big/1.bin identical to the origin's file" \
            || echo "# WARNING: /big/1.bin differs from the origin's file"
        echo "# second pass: $(( $(counter client_http.hits) - hits_before - 1 )) of $objects answered as hits (client_http.hits, less the check of /big/1.bin)"
        echo "HEAP node objects=$objects heap_used_kib=$(heap_used) body_bytes_held=$(counter sibyl.body_bytes_held)" \
            "objects_held=$(counter sibyl.objects) bytes_stored=$(counter sibyl.bytes_stored) evictions=$(counter sibyl.evictions)" \
            "rss_kib=$(awk '/VmRSS/ { print $2 }' "/proc/$jpid/status")"
        echo "# jcmd $jpid GC.heap_info (last):"
        jcmd "$jpid" GC.heap_info | sed 's/^/#   /'
        echo "# counters:"
        curl -sf -H 'Host: x' "http://127.0.0.1:$node_port/squid-internal-mgr/counters" | sed 's/^/#   /'
        node_log_check
    } | tee "$out"
    ;;
esac
echo "written to $out"
