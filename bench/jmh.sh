#!/usr/bin/env bash
# JMH micro-benchmarks of Sibyl's code paths.
#   bench/jmh.sh IcpReplyPath            # time per query through the ICP reply path
#   bench/jmh.sh IcpReplyPath -prof gc   # and bytes allocated per query
# Run nothing else on the machine meanwhile: on 2 shared cores the figures mean little otherwise.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jar="$top/bench/jmh/target/sibyl-bench-jmh.jar"
if [[ ! -f $jar ]]; then
    (cd "$top" && mvn -B -q -DskipTests -pl bench/jmh -am package)
fi
exec java -cp "$jar:$top/bench/jmh/target/lib/*" org.openjdk.jmh.Main "$@"
