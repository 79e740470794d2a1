#!/usr/bin/env bash
# ICP serving rate: `sibyl icp bench` against a Sibyl node, Squid's own ICP port, and the C
# floor (shared/reference/icpecho.c: recvmmsg/sendmmsg, no validation), one after the other in
# one run, with the same load generator, window and queries. Everything runs on 127.0.0.x and
# stops by itself; only the processes this script started are stopped, by pid.
#
#   bench/icp.sh [QUERIES] [WINDOW]        (defaults 2000000 and 64)
#
# Environment: ICPECHO_SOURCE (default ../shared/reference/icpecho.c), NODE_THREADS (ICP
# threads of the node, default 0 as in reference.conf: one per core),
# OUT (result file, default bench/out/icp-DATE.txt).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
queries=${1:-2000000}
window=${2:-64}
threads=${NODE_THREADS:-0}
icpecho_source=${ICPECHO_SOURCE:-$top/../shared/reference/icpecho.c}
work=$(mktemp -d /tmp/sibyl-icp-bench.XXXXXX)
chmod 777 "$work"   # Squid started as root writes its logs as 'proxy'
mkdir -p "$top/bench/out"
out=${OUT:-$top/bench/out/icp-$(date -u +%Y%m%dT%H%M%SZ).txt}
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

[[ -f $top/node/target/sibyl-node.jar ]] || (cd "$top" && mvn -B -q -DskipTests package)
command -v squid >/dev/null || { echo "squid is not installed: apt-get install -y squid" >&2; exit 2; }
[[ -f $icpecho_source ]] || { echo "no icpecho.c at $icpecho_source (set ICPECHO_SOURCE)" >&2; exit 2; }
cc -O2 -o "$work/icpecho" "$icpecho_source"

wait_udp() { # ADDRESS PORT: until something listens there (as IPv4, or IPv4-mapped IPv6)
    for _ in $(seq 300); do
        ss -lunH "sport = :$2" | grep -qE "(^|[^0-9])$1(]|):$2 " && return 0
        sleep 0.1
    done
    echo "nothing listens on udp $1:$2" >&2
    cat "$work"/*.log "$work"/*.out >&2 2>/dev/null || true
    exit 1
}

# The Sibyl node: default policy chain (the loopback acl).
cat > "$work/sibyl.conf" <<CONF
icp.listen = ["127.0.0.1:13130"]
icp.threads = $threads
CONF
"$top/bin/sibyl" node --config "$work/sibyl.conf" 2> "$work/sibyl.log" &
pids+=($!)

# Squid: ICP on its own loopback address, answering loopback senders; a memory-only cache.
cat > "$work/squid.conf" <<CONF
http_port 127.0.0.6:13128
icp_port 13131
udp_incoming_address 127.0.0.6
acl loopback src 127.0.0.0/8
icp_access allow loopback
icp_access deny all
http_access deny all
pid_filename $work/squid.pid
access_log none
cache_log $work/cache.log
cache_store_log none
coredump_dir $work
cache_mem 64 MB
pinger_enable off
netdb_filename none
shutdown_lifetime 0 seconds
CONF
squid -N -f "$work/squid.conf" > "$work/squid.out" 2>&1 &
pids+=($!)

# The C floor, stopping by itself after the run's longest possible time.
"$work/icpecho" 127.0.0.7 13132 900 > "$work/icpecho.out" &
pids+=($!)

wait_udp 127.0.0.1 13130
wait_udp 127.0.0.6 13131
wait_udp 127.0.0.7 13132

run() { # NAME ADDRESS:PORT
    local line
    line=$("$top/bin/sibyl" icp bench "$2" --queries "$queries" --window "$window" --warmup 200000 2>&1 \
        | tee "$work/$1.txt" | grep '^RESULT' || true)
    [[ -n $line ]] || { cat "$work/$1.txt" >&2; line="RESULT failed"; }
    echo "$1 ${line#RESULT }"
}

{
    echo "# bench/icp.sh $queries $window   $(date -u +%Y-%m-%dT%H:%M:%SZ)   $(nproc) cores, $(uname -r)"
    echo "# sibyl node: icp.threads=$threads; squid $(squid -v | head -1 | awk '{print $4}'); load generator: sibyl icp bench"
    run sibyl 127.0.0.1:13130
    run squid 127.0.0.6:13131
    run icpecho 127.0.0.7:13132
} | tee "$out"

awk '
    / replies_per_s=/ { split($2, kv, "="); rate[$1] = kv[2] }
    END {
        if (rate["squid"] > 0) printf "sibyl / squid   = %.2f\n", rate["sibyl"] / rate["squid"]
        if (rate["icpecho"] > 0) printf "sibyl / icpecho = %.2f\n", rate["sibyl"] / rate["icpecho"]
    }' "$out" | tee -a "$out"
echo "written to $out"
