#!/usr/bin/env bash
# Soak: one node process, run as a hostile operator would (a forward proxy on the defaults,
# -Xmx256m, 512 MiB of direct memory, C1 only as bench nodes run) but with a small cache, in
# front of the soak's origin, under a bounded mix over a working set ten times the cache: GETs
# (Zipf-ish: hits and misses), GETs of new URLs, byte ranges, HEADs, conditional GETs, PURGEs,
# ICP queries, and now and then a client that leaves mid-response or pipelines 3-8 requests.
# Each second the node's live heap (after a full GC, asked for every FULL_GC_EVERY s with jcmd
# GC.run), heap after its last GC, direct memory, RSS, descriptors and pipes are sampled into a
# CSV and plotted (SVG); then each series is judged flat or not after warm-up: the last third's
# peak within 10% + a margin (8 MiB heap, 16 MiB direct, 32 MiB RSS, 32 descriptors or pipes)
# of the middle third's. Exit status 0 only if every series is flat, every request was answered
# or closed by the node, no answer was wrong (every body is checked byte for byte) and the node
# logged no OutOfMemoryError. Everything on 127.0.0.1, stopped by pid at the end.
#
#   nice -n 10 bench/soak.sh                     30 minutes, 200 requests/s, cache.memory 32m
#   DURATION=600 nice -n 10 bench/soak.sh        10 minutes
#
# Environment: DURATION (seconds, 1800), RATE (requests/s, 200), ICP_RATE (queries/s, 50),
# CONNECTIONS (kept-alive clients, 8), CACHE_MEMORY (MiB, 32; the working set is 10x),
# FULL_GC_EVERY (s, 30; 0: never, and the live heap is not known), BOUND_SCALE (multiplies the
# flatness margins, 1), PORT_BASE (node HTTP, then ICP; 18180), NODE_JAVA_OPTS (default
# -Xmx256m -XX:MaxDirectMemorySize=512m -XX:TieredStopAtLevel=1), SVG (docs/soak.svg),
# OUT (bench/out/soak-DATE.txt; the CSV beside it, .csv).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
duration=${DURATION:-1800}
rate=${RATE:-200}
icp_rate=${ICP_RATE:-50}
connections=${CONNECTIONS:-8}
cache_mib=${CACHE_MEMORY:-32}
cache_mib=${cache_mib%m}
base=${PORT_BASE:-18180}
http_port=$base icp_port=$((base + 1))
node_opts=${NODE_JAVA_OPTS:--Xmx256m -XX:MaxDirectMemorySize=512m -XX:TieredStopAtLevel=1}
mkdir -p "$top/bench/out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=${OUT:-$top/bench/out/soak-$stamp.txt}
csv=${out%.txt}.csv
svg=${SVG:-$top/docs/soak.svg}
work=$(mktemp -d /tmp/sibyl-soak.XXXXXX)
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"

# The node's jar and the soak's classes (node test sources: SoakTest runs the same code).
if [[ ! -f $top/node/target/sibyl-node.jar || ! -f $top/node/target/test-classes/sibyl/node/soak/Soak.class ]]; then
    (cd "$top" && mvn -B -o -q -pl node -am -DskipTests -Djacoco.skip package)
fi

cat > "$work/soak.conf" <<CONF
node.name = soak
http.listen = ["127.0.0.1:$http_port"]
admin.listen = ["127.0.0.1:0"]
icp.listen = ["127.0.0.1:$icp_port"]
http.access-log = "$work/access.log"
cache.memory = ${cache_mib}m
CONF
JAVA_OPTS="$node_opts" "$top/bin/sibyl" node --config "$work/soak.conf" > "$work/node.log" 2>&1 &
node_pid=$!
pids+=("$node_pid")
for _ in $(seq 600); do
    curl -sf -m 2 -o /dev/null "http://127.0.0.1:$http_port/squid-internal-mgr/counters" && break
    kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log" >&2; echo "soak.sh: the node exited at start" >&2; exit 1; }
    sleep 0.2
done

exec > >(tee "$out")
echo "# bench/soak.sh   $(date -u +%Y-%m-%dT%H:%M:%SZ)   $(nproc) cores, $(uname -r)   commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "# node pid $node_pid: JAVA_OPTS='$node_opts' cache.memory=${cache_mib}m, forward proxy, other settings default; $(java -version 2>&1 | head -1)"
echo "# ${duration} s at $rate requests/s on $connections connections, $icp_rate ICP queries/s; full GC every ${FULL_GC_EVERY:-30} s"
status=0
java -Xmx384m -cp "$top/node/target/test-classes:$top/node/target/sibyl-node.jar:$top/node/target/lib/*" sibyl.node.soak.Soak \
    --pid="$node_pid" --http="127.0.0.1:$http_port" --icp="127.0.0.1:$icp_port" --cache-memory-mib="$cache_mib" \
    --seconds="$duration" --rate="$rate" --icp-rate="$icp_rate" --connections="$connections" \
    --full-gc-every="${FULL_GC_EVERY:-30}" --bound-scale="${BOUND_SCALE:-1}" --csv="$csv" --svg="$svg" \
    --title="Sibyl soak: ${duration} s, $rate req/s, cache.memory ${cache_mib}m, working set 10x; $(date -u +%Y-%m-%d) $(git -C "$top" rev-parse --short HEAD 2>/dev/null)" \
    || status=$?
sleep 1.5 # the access log is flushed each second
if ! kill -0 "$node_pid" 2>/dev/null; then
    echo "soak: the node exited during the run"; status=1
fi
if grep -q OutOfMemoryError "$work/node.log"; then
    echo "soak: OutOfMemoryError in the node's log:"; grep -m5 OutOfMemoryError "$work/node.log"; status=1
fi
echo "soak: node log: $(grep -c ' WARN ' "$work/node.log" || true) WARN, $(grep -c ' ERROR ' "$work/node.log" || true) ERROR lines"
echo "soak: access log, by code/status: $(awk '{ n[$4]++ } END { for (c in n) printf "%s=%d ", c, n[c] }' "$work/access.log" 2>/dev/null)"
echo "soak: csv $csv, plot $svg; exit $status"
cp "$work/node.log" "${out%.txt}-node.log"
rm -rf "$work"
exit "$status"
