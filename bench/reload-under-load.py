#!/usr/bin/env python3
"""Whether reloading a node's configuration under load drops a connection or an ICP query.

Starts, on 127.0.0.1 and ports of its own, an nginx origin and a node from this checkout
(bin/sibyl; run `mvn -q package -DskipTests` first), then at once, for RUN_SECONDS:
  - wrk: 32 keep-alive connections asking for cache hits (accelerator mode);
  - sibyl icp bench: ICP_QUERIES queries, 64 kept in flight, each lost after 1 s unanswered;
  - a reloader: every 0.5 s it rewrites the configuration (an ICP policy added or taken out, so
    the chain is swapped; http.max-pipelined and a log level changed) and reloads it, by
    POST /reload and by SIGHUP in turn.
The reloader goes on until both loads are done. Prints the reloads applied, wrk's socket errors and non-2xx responses, and the ICP queries lost;
the target is none of either. Then the same without reloads, for the rates. Stops by itself;
stops only what it started.

    bench/reload-under-load.py [RUN_SECONDS] [ICP_QUERIES]
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from localnode import TOP as top, start_node, start_origin, stop

RUN_SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
ICP_QUERIES = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
work = tempfile.mkdtemp(prefix="reload-load-")
origin_port = 22000 + os.getpid() % 5000
node_port = origin_port + 10
icp_port = origin_port + 11
admin_port = origin_port + 12
config = os.path.join(work, "node.conf")


def write_config(variant):
    with open(config + ".new", "w") as f:
        f.write(f'http.listen = ["127.0.0.1:{node_port}"]\nicp.listen = ["127.0.0.1:{icp_port}"]\n'
                f'admin.listen = ["127.0.0.1:{admin_port}"]\n'
                f'http.accelerate {{ "*" = "127.0.0.1:{origin_port}" }}\n'
                f'http.max-pipelined = {16 if variant % 2 == 0 else 32}\n'
                f'node.log-levels {{ "sibyl.node.origin" = {"INFO" if variant % 2 == 0 else "WARN"} }}\n'
                + ('icp.policies.20-loopback { type = acl, allow = ["127.0.0.0/8"] }\n' if variant % 2 else ''))
    os.replace(config + ".new", config)  # whole, as an editor's save or a config manager's would be


def run(reloading):
    reloads = {"applied": 0, "refused": 0}
    done = threading.Event()

    def reloader():
        variant = 0
        while not done.wait(0.5):
            variant += 1
            write_config(variant)
            if variant % 2:
                request = urllib.request.Request(f"http://127.0.0.1:{admin_port}/reload", method="POST")
                try:
                    urllib.request.urlopen(request, timeout=10).read()
                    reloads["applied"] += 1
                except urllib.error.HTTPError as e:
                    reloads["refused"] += 1
                    print("refused:", e.read().decode(), file=sys.stderr)
            else:
                before = log_count("SIGHUP: reloaded")
                os.kill(node.pid, signal.SIGHUP)
                deadline = time.time() + 10
                while log_count("SIGHUP: reloaded") == before and time.time() < deadline:
                    time.sleep(0.05)
                if log_count("SIGHUP: reloaded") > before:
                    reloads["applied"] += 1
                else:
                    reloads["refused"] += 1

    icp = subprocess.Popen([os.path.join(top, "bin", "sibyl"), "icp", "bench", f"127.0.0.1:{icp_port}",
                            "--queries", str(ICP_QUERIES), "--warmup", "0", "--window", "64", "--timeout", "1000"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    thread = threading.Thread(target=reloader, daemon=True)
    if reloading:
        thread.start()
    wrk = subprocess.run(["wrk", "-t", "1", "-c", "32", "-d", f"{RUN_SECONDS}s",
                          f"http://127.0.0.1:{node_port}/object"], capture_output=True, text=True).stdout
    try:
        icp_out = icp.communicate(timeout=300)[0]
    except subprocess.TimeoutExpired:
        icp.kill()
        icp_out = icp.communicate()[0]
    done.set()
    if reloading:
        thread.join()
    return reloads, wrk, icp_out


def log_count(text):
    with open(os.path.join(work, "node.log")) as f:
        return f.read().count(text)


write_config(0)
nginx = node = None
try:
    nginx = start_origin(work, origin_port, {"object": b"x" * 4096})
    node = start_node(work, config, admin_port)
    subprocess.run(["wrk", "-t", "1", "-c", "8", "-d", "3s", f"http://127.0.0.1:{node_port}/object"],
                   capture_output=True)
    for reloading in (True, False):
        reloads, wrk, icp_out = run(reloading)
        rate = re.search(r"Requests/sec:\s+([\d.]+)", wrk)
        errors = re.search(r"Socket errors: (.*)", wrk)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)
        result = [line for line in icp_out.splitlines() if line.startswith("RESULT")]
        print(f"{'with' if reloading else 'without'} reloads"
              + (f": {reloads['applied']} applied, {reloads['refused']} refused" if reloading else ""))
        print(f"  HTTP: {rate.group(1) if rate else '?'} req/s; socket errors: {errors.group(1) if errors else 'none'};"
              f" non-2xx: {non2xx.group(1) if non2xx else 0}")
        print(f"  ICP: {result[-1] if result else 'no RESULT line: ' + icp_out[-500:]}")
finally:
    stop(node, nginx)
    shutil.rmtree(work, ignore_errors=True)
