#!/usr/bin/env bash
# Hit ratios: the share of requests, and of bytes, that a cache answered without its origin, for
# the same traces and the same memory.
#
#   bench/hit-ratio.sh index [TRACE...]  the node's own index and body store (no HTTP), LRU of the
#                                        same memory, and the previous build's policy (Caffeine),
#                                        replayed in one JVM
#   bench/hit-ratio.sh http [TRACE...]   end to end through HTTP, one client, against a Sibyl node,
#                                        Squid 5.7's memory cache (cache_mem, replacement lru and
#                                        heap GDSF) and Varnish (malloc storage, LRU), each started
#                                        afresh for each trace, in front of an origin the replay
#                                        serves; a request the origin did not see was a hit
#
# TRACE: zipf-0.7 zipf-0.9 zipf-1.1 scan one-hit-wonders shift (the default: all six; what each
# is: bench/hitratio/src/main/java/sibyl/bench/hitratio/SyntheticTrace.java), or file:PATH for a
# trace of 'timestamp id size' lines (the Wikipedia CDN traces' format) or 'id size' lines.
# Write the synthetic ones to files with
#   java -cp "bench/hitratio/target/sibyl-bench-hitratio.jar:bench/hitratio/target/lib/*" \
#       sibyl.bench.hitratio.HitRatio generate --out DIR
#
# Everything listens on 127.0.0.1 and stops by itself; only the processes this script started are
# stopped, by pid.
#
# Environment (not SIBYL_*, which are node settings):
#   MEMORY        every cache's memory: index default 512m (shift: 16m), http default 16m
#   MAX_OBJECT    every cache's largest object (default 32m)
#   OBJECTS       objects in the Zipf traces: index default 20000, http default 5000
#   REQUESTS      requests in the Zipf traces: index default 1000000, http default 40000
#   SIZE_DIVISOR  divides every object size: index default 1, http default 16 (the size mix's
#                 1 KiB-32 MiB become 64 B-2 MiB, so that an HTTP run moves less data)
#   SEED          seeds the synthetic traces (default 1)
#   CACHES        http: a subset of "sibyl squid-lru squid-gdsf varnish"
#   PORT_BASE     http: default 19080 (origin, then one port per cache)
#   OUT           result file, default bench/out/hit-ratio-MODE-DATE.txt
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$top/bench/lib.sh"

mode=${1:-}
[[ $mode == index || $mode == http ]] || { sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
shift
traces=("$@")
((${#traces[@]})) || traces=(zipf-0.7 zipf-0.9 zipf-1.1 scan one-hit-wonders shift)

jar=$top/bench/hitratio/target/sibyl-bench-hitratio.jar
if [[ ! -f $jar || ! -f $top/node/target/sibyl-node.jar ]]; then
    (cd "$top" && mvn -B -q -DskipTests package)
fi
mkdir -p "$top/bench/out"
out=${OUT:-$top/bench/out/hit-ratio-$mode-$(date -u +%Y%m%dT%H%M%SZ).txt}
max_object=${MAX_OBJECT:-32m}
seed=${SEED:-1}

replay() { # MEMORY ARGS...: the replay tool with a heap for its traces and direct memory for MEMORY of bodies
    local memory_mib=$(($(mib "$1") + 256))
    shift
    java -Xmx2g -XX:MaxDirectMemorySize=${memory_mib}m -cp "$jar:$top/bench/hitratio/target/lib/*" \
        sibyl.bench.hitratio.HitRatio "$@"
}

mib() { # SIZE (like 16m or 1g): in MiB
    local size=${1,,}
    case $size in
        *g) echo $((${size%g} * 1024)) ;;
        *m) echo "${size%m}" ;;
        *) echo "hit-ratio.sh: sizes are given in m or g, not '$1'" >&2; exit 2 ;;
    esac
}

{
echo "# bench/hit-ratio.sh $mode ${traces[*]} on $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r)"
echo "# MEMORY=${MEMORY:-default} MAX_OBJECT=$max_object OBJECTS=${OBJECTS:-default} REQUESTS=${REQUESTS:-default} SIZE_DIVISOR=${SIZE_DIVISOR:-default} SEED=$seed"
} | tee "$out"

if [[ $mode == index ]]; then
    for trace in "${traces[@]}"; do
        memory=${MEMORY:-$([[ $trace == shift ]] && echo 16m || echo 512m)}
        replay "$memory" index --trace "$trace" --memory "$memory" --max-object "$max_object" \
            --objects "${OBJECTS:-20000}" --requests "${REQUESTS:-1000000}" --size-divisor "${SIZE_DIVISOR:-1}" \
            --seed "$seed" | tee -a "$out"
    done
    echo "results: $out"
    exit 0
fi

# http
memory=${MEMORY:-16m}
read -r -a caches <<< "${CACHES:-sibyl squid-lru squid-gdsf varnish}"
base=${PORT_BASE:-19080}
origin_port=$base
work=$(mktemp -d /tmp/sibyl-hit-ratio.XXXXXX)
chmod 755 "$work"
cleanup_work() { stop_started; rm -rf "$work"; }
trap cleanup_work EXIT

fail() {
    echo "hit-ratio.sh: $*" >&2
    for f in "$work"/*.log "$work"/*/*.log; do [[ -s $f ]] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
    exit 1
}
for cache in "${caches[@]}"; do
    case $cache in
        sibyl) ;;
        squid-*) [[ -x /usr/sbin/squid ]] || fail "squid is not installed: apt-get install -y squid" ;;
        varnish) [[ -x /usr/sbin/varnishd ]] || fail "varnishd is not installed: apt-get install -y varnish" ;;
        *) fail "unknown cache $cache (sibyl squid-lru squid-gdsf varnish)" ;;
    esac
done

wait_tcp() { # NAME PID PORT
    for _ in $(seq 600); do
        ss -ltnH "sport = :$3" | grep -qE "(^|[^0-9])127\.0\.0\.1(]|):$3 " && return 0
        kill -0 "$2" 2>/dev/null || fail "$1 exited at start"
        sleep 0.1
    done
    fail "nothing listens on 127.0.0.1:$3 ($1)"
}

start() { # CACHE PORT: starts it afresh, empty; sets $pid
    local cache=$1 port=$2 dir="$work/$1"
    rm -rf "$dir"
    mkdir -p "$dir"
    chmod 777 "$dir" # Squid started as root writes its log as the proxy user
    case $cache in
        sibyl)
            cat > "$dir/node.conf" <<CONF
node.name = bench
http.listen = ["127.0.0.1:$port"]
admin.listen = ["127.0.0.1:0"]
icp.listen = ["127.0.0.1:$((port + 100))"]
cache.memory = $memory
cache.max-object-size = $max_object
CONF
            JAVA_OPTS="-Xmx256m -XX:MaxDirectMemorySize=$(($(mib "$memory") + $(mib "$max_object") * 4 + 192))m" \
                "$top/bin/sibyl" node --config "$dir/node.conf" 2> "$dir/node.log" &
            ;;
        squid-lru | squid-gdsf)
            local policy=lru
            [[ $cache == squid-gdsf ]] && policy="heap GDSF"
            cat > "$dir/squid.conf" <<CONF
http_port 127.0.0.1:$port
http_access allow localhost
http_access deny all
cache_mem $(mib "$memory") MB
maximum_object_size_in_memory $(mib "$max_object") MB
maximum_object_size $(mib "$max_object") MB
memory_replacement_policy $policy
pid_filename $dir/squid.pid
cache_log $dir/cache.log
access_log none
coredump_dir $dir
pinger_enable off
shutdown_lifetime 0 seconds
visible_hostname bench
CONF
            /usr/sbin/squid -N -f "$dir/squid.conf" > "$dir/squid.log" 2>&1 &
            ;;
        varnish)
            # -j none: no privilege separation; -T none: no management port.
            /usr/sbin/varnishd -F -j none -T none -a "127.0.0.1:$port" -b "127.0.0.1:$origin_port" \
                -s "malloc,$(mib "$memory")M" -n "$dir/varnish" > "$dir/varnish.log" 2>&1 &
            ;;
    esac
    pid=$!
    pids+=("$pid")
    wait_tcp "$cache" "$pid" "$port"
}

stop() { # PID: stops it, and forgets it (its number may be another process's afterwards)
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    local kept=() p
    for p in "${pids[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
    pids=("${kept[@]}")
}

for trace in "${traces[@]}"; do
    echo | tee -a "$out"
    echo "trace $trace: memory $memory, largest object $max_object" | tee -a "$out"
    printf '%-28s %10s %8s %8s\n' cache requests objects bytes | tee -a "$out"
    port=$((base + 1))
    for cache in "${caches[@]}"; do
        start "$cache" "$port"
        accelerator=()
        [[ $cache == varnish ]] && accelerator=(--accelerator)
        replay 16m http --trace "$trace" --cache "$cache=127.0.0.1:$port" "${accelerator[@]}" \
            --origin "127.0.0.1:$origin_port" --objects "${OBJECTS:-5000}" --requests "${REQUESTS:-40000}" \
            --size-divisor "${SIZE_DIVISOR:-16}" --seed "$seed" | tee -a "$out" || fail "the replay against $cache failed"
        stop "$pid"
        port=$((port + 1))
    done
done
echo "results: $out"
