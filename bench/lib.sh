# Sourced by the bench scripts: the processes a script starts, stopped by pid when it exits, and
# the CPU they use. Start each in the script's own shell and add its pid to `pids`, so that the
# EXIT trap sees it.
pids=()
stop_started() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_started EXIT

cpu_seconds() { # PID...: the user and system CPU seconds these processes have used so far
    local pid
    for pid; do awk '{ print $14 + $15 }' "/proc/$pid/stat"; done \
        | awk -v hz="$(getconf CLK_TCK)" '{ s += $1 } END { printf "%.1f", s / hz }'
}
