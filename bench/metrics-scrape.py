#!/usr/bin/env python3
"""What scraping a node's /metrics costs it while it serves, two ways:

  cpu:   the node's CPU time (from /proc/PID/stat) over SCRAPES back-to-back scrapes with no other
         traffic, per scrape; set against the CPU the node spends serving under load, it says
         what share of that one scrape every 15 s (Prometheus's default) or every 1 s costs;
  load:  wrk against the node (cache hits of a 4 KiB object, accelerator mode, 32 keep-alive
         connections) for ROUNDS pairs of RUN_SECONDS runs, one without scraping and one with a
         scrape every second (15x Prometheus's default), alternating so drift falls on both:
         the ratio of their requests per second.

Starts, on 127.0.0.1 and ports of its own, an nginx origin and a node from this checkout
(bin/sibyl; run `mvn -q package -DskipTests` first). Stops by itself; stops only what it started.

    bench/metrics-scrape.py [SCRAPES] [ROUNDS] [RUN_SECONDS]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from localnode import start_node, start_origin, stop

SCRAPES = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 4
RUN_SECONDS = int(sys.argv[3]) if len(sys.argv) > 3 else 15
work = tempfile.mkdtemp(prefix="metrics-scrape-")
origin_port = 21000 + os.getpid() % 5000
node_port = origin_port + 10
admin_port = origin_port + 12
ticks = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def scrape():
    with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=10) as response:
        return len(response.read())


def wrk(seconds):
    out = subprocess.run(["wrk", "-t", "2", "-c", "32", "-d", f"{seconds}s",
                          f"http://127.0.0.1:{node_port}/object"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise SystemExit("wrk printed no rate:\n" + out)


with open(os.path.join(work, "node.conf"), "w") as f:
    f.write(f'http.listen = ["127.0.0.1:{node_port}"]\nicp.listen = ["127.0.0.1:{node_port + 1}"]\n'
            f'admin.listen = ["127.0.0.1:{admin_port}"]\n'
            f'http.accelerate {{ "*" = "127.0.0.1:{origin_port}" }}\n')
nginx = node = None
try:
    nginx = start_origin(work, origin_port, {"object": b"x" * 4096})
    node = start_node(work, os.path.join(work, "node.conf"), admin_port)
    wrk(5)  # the object stored, the hit path compiled

    for _ in range(200):
        size = scrape()  # the scrape path compiled
    before = cpu_seconds(node.pid)
    started = time.time()
    for _ in range(SCRAPES):
        scrape()
    scrape_cpu = (cpu_seconds(node.pid) - before) / SCRAPES
    scrape_wall = (time.time() - started) / SCRAPES

    before = cpu_seconds(node.pid)
    serving_rate = wrk(RUN_SECONDS)
    serving_cpu = (cpu_seconds(node.pid) - before) / RUN_SECONDS  # CPU seconds per second under load

    rates = {"none": [], "every 1 s": []}
    for _ in range(ROUNDS):
        for mode in ("none", "every 1 s"):
            done = threading.Event()
            scraper = None
            if mode != "none":
                def scrape_every_second():
                    while not done.wait(1.0):
                        scrape()
                scraper = threading.Thread(target=scrape_every_second, daemon=True)
                scraper.start()
            rates[mode].append(wrk(RUN_SECONDS))
            done.set()
            if scraper:
                scraper.join()

    print(f"scrape: {size} bytes, {scrape_cpu * 1000:.2f} ms of node CPU and {scrape_wall * 1000:.2f} ms wall each"
          f" (mean of {SCRAPES})")
    print(f"serving: {serving_rate:.0f} hits/s using {serving_cpu:.2f} CPU-seconds per second")
    for interval in (15, 1):
        print(f"a scrape every {interval} s costs {scrape_cpu / interval / serving_cpu * 100:.3f}% of the CPU the node"
              f" spends serving at that load")
    for mode, values in rates.items():
        print(f"wrk, scraping {mode}: " + ", ".join(f"{v:.0f}" for v in values) + f" req/s (mean {sum(values) / len(values):.0f})")
    none = sum(rates["none"]) / len(rates["none"])
    every = sum(rates["every 1 s"]) / len(rates["every 1 s"])
    print(f"ratio scraping every 1 s / none: {every / none:.3f}")
finally:
    stop(node, nginx)
    shutil.rmtree(work, ignore_errors=True)
