#!/usr/bin/env python3
"""What range requests for a large object cost the origin through a Sibyl node, with slices
(cache.slice-size) and without (slice-size = 0, the previous behaviour: a range of an object
over cache.max-object-size goes to the origin as asked, every time).

Starts, on 127.0.0.1 and ports of its own, an nginx origin serving one SIZE_MIB file (strong
ETags, Range) and, in turn, a node from this checkout (bin/sibyl; run `mvn -q package
-DskipTests` first) for each slice size. Two workloads per node:
  viewers: VIEWERS clients at once each read the first quarter of the file in 512 KiB ranges,
           as video players do; then the same again (warm);
  seeks:   SEEKS ranges of 64 KiB at random offsets over the whole file, one client;
  stalled: 8 clients ask for the second half of the file as one range, read 2 MiB, stop reading
           for 5 s and hang up: a slow client must hold the node to a slice or two, not make it
           fetch and pin the whole file;
  hostile: 16 clients for HOSTILE_SECONDS (default 30) ask random ranges (some open-ended, some
           across several slices) while a PURGE of the file goes in every second and every
           third client hangs up halfway through its response; then the node's live objects
           (jcmd GC.class_histogram: fetches, sliced responses, origin exchanges, pipelines,
           stored bodies) must be back to those of the slices held, and its descriptors, once
           idle origin connections are closed (origin.read-timeout, 60 s), to where they were.
Prints, per node and workload, requests, errors (a status or byte that is not the file's),
seconds, client MiB/s and the body MiB the origin sent (from its access log); and the node's
descriptors and RSS before and after. Stops by itself.

    bench/range-slices.py [SIZE_MIB] [VIEWERS] [SEEKS]
"""
import http.client
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

SIZE = (int(sys.argv[1]) if len(sys.argv) > 1 else 256) << 20
VIEWERS = int(sys.argv[2]) if len(sys.argv) > 2 else 4
SEEKS = int(sys.argv[3]) if len(sys.argv) > 3 else 200
PART = 512 << 10
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
work = tempfile.mkdtemp(prefix="range-slices-")
origin_port = 20000 + os.getpid() % 5000
node_port = origin_port + 10

rnd = random.Random(7)
data = bytes(rnd.getrandbits(8) for _ in range(1 << 16)) * (SIZE >> 16)
os.makedirs(os.path.join(work, "www"))
with open(os.path.join(work, "www", "video.bin"), "wb") as f:
    f.write(data)
with open(os.path.join(work, "nginx.conf"), "w") as f:
    f.write(f"""daemon off; worker_processes 1; pid {work}/nginx.pid; error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  log_format bytes '$body_bytes_sent';
  access_log {work}/origin.log bytes;
  client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work}; uwsgi_temp_path {work}; scgi_temp_path {work};
  server {{ listen 127.0.0.1:{origin_port}; root {work}/www; location / {{ add_header Cache-Control "max-age=3600"; }} }}
}}
""")


def wait_port(port, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("HEAD", "/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answers on 127.0.0.1:{port}")


def origin_bytes():
    with open(os.path.join(work, "origin.log")) as f:
        return sum(int(line) for line in f if line.strip())


def get(connection, url, first, last):
    connection.request("GET", url, headers={"Range": f"bytes={first}-{last}"})
    response = connection.getresponse()
    body = response.read()
    return response.status == 206 and body == data[first:last + 1]


def resources(pid):
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) // 1024
    return fds, rss


def stalled(clients=8):
    before = origin_bytes()
    start = time.time()
    sockets = []
    for _ in range(clients):
        connection = http.client.HTTPConnection("127.0.0.1", node_port, timeout=60)
        connection.request("GET", f"http://127.0.0.1:{origin_port}/video.bin", headers={"Range": f"bytes={SIZE // 2}-"})
        response = connection.getresponse()
        response.read(2 << 20)
        sockets.append(connection)
    time.sleep(5)
    for connection in sockets:
        connection.close()
    time.sleep(1)
    return {"requests": clients, "errors": 0, "bytes": clients * (2 << 20)}, time.time() - start, \
        (origin_bytes() - before) / (1 << 20)


def histogram(pid, pattern=r"^(sibyl\.node\.(http\.(Fetch|SlicedRange|ClientResponse)|origin\.Exchange|store\.[\w$]*Body)"
                                 r"|io\.netty\.channel\.DefaultChannelPipeline)$"):
    out = subprocess.run(["jcmd", str(pid), "GC.class_histogram"], capture_output=True, text=True).stdout
    counts = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and re.search(pattern, parts[3]):
            counts[parts[3].rsplit(".", 1)[-1]] = int(parts[1])
    return counts


def hostile(seconds):
    url = f"http://127.0.0.1:{origin_port}/video.bin"
    counts = {"requests": 0, "errors": 0, "bytes": 0}
    kinds = {}
    lock = threading.Lock()
    stop = time.time() + seconds

    def client(seed):
        rnd = random.Random(seed)
        n = 0
        while time.time() < stop:
            n += 1
            first = rnd.randrange(0, SIZE - 1)
            shape = rnd.random()
            last = SIZE - 1 if shape < 0.2 else min(SIZE - 1, first + rnd.randrange(1, 5 << 20))
            connection = http.client.HTTPConnection("127.0.0.1", node_port, timeout=60)
            try:
                connection.request("GET", url, headers={"Range": f"bytes={first}-{last}"})
                response = connection.getresponse()
                if n % 3 == 0:
                    response.read(min(last - first + 1, 256 << 10) // 2)  # then hang up
                    ok = response.status == 206
                    got = 0
                    kind = f"status {response.status}"
                else:
                    body = response.read()
                    ok = response.status == 206 and body == data[first:last + 1]
                    got = len(body)
                    kind = f"status {response.status}" if response.status != 206 else \
                        f"{len(body)} of {last - first + 1} bytes" if len(body) != last - first + 1 else "wrong bytes"
            except (OSError, http.client.HTTPException) as e:
                ok, got, kind = False, 0, type(e).__name__
            finally:
                connection.close()
            with lock:
                counts["requests"] += 1
                counts["errors"] += 0 if ok else 1
                counts["bytes"] += got
                if not ok:
                    kinds[kind] = kinds.get(kind, 0) + 1

    def purger():
        while time.time() < stop:
            time.sleep(1)
            connection = http.client.HTTPConnection("127.0.0.1", node_port, timeout=10)
            connection.request("PURGE", url)
            connection.getresponse().read()
            connection.close()

    before = origin_bytes()
    start = time.time()
    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(16)] + [threading.Thread(target=purger)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if kinds:
        print(f"# hostile errors: {kinds}")
    return counts, time.time() - start, (origin_bytes() - before) / (1 << 20)


def run(ranges_per_client):
    url = f"http://127.0.0.1:{origin_port}/video.bin"
    counts = {"requests": 0, "errors": 0, "bytes": 0}
    lock = threading.Lock()

    def client(ranges):
        connection = http.client.HTTPConnection("127.0.0.1", node_port, timeout=60)
        for first, last in ranges:
            try:
                ok = get(connection, url, first, last)
            except OSError:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", node_port, timeout=60)
                ok = False
            with lock:
                counts["requests"] += 1
                counts["errors"] += 0 if ok else 1
                counts["bytes"] += last - first + 1
        connection.close()

    before = origin_bytes()
    start = time.time()
    threads = [threading.Thread(target=client, args=(ranges,)) for ranges in ranges_per_client]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.time() - start
    return counts, seconds, (origin_bytes() - before) / (1 << 20)


nginx = subprocess.Popen(["nginx", "-c", os.path.join(work, "nginx.conf")], stderr=subprocess.DEVNULL)
try:
    wait_port(origin_port)
    print(f"# {SIZE >> 20} MiB object, {VIEWERS} viewers of its first quarter in {PART >> 10} KiB ranges, "
          f"{SEEKS} random 64 KiB seeks")
    print(f"{'slice-size':>10} {'workload':>12} {'requests':>8} {'errors':>6} {'seconds':>8} {'MiB/s':>8} {'origin MiB':>10}")
    for slice_size in ("1m", "0"):
        conf = os.path.join(work, f"node-{slice_size}.conf")
        with open(conf, "w") as f:
            f.write(f'http.listen = ["127.0.0.1:{node_port}"]\nicp.listen = ["127.0.0.1:{node_port + 1}"]\n'
                    f'cache.slice-size = {slice_size}\n')
        node = subprocess.Popen([os.path.join(top, "bin", "sibyl"), "node", "--config", conf],
                                stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, f"node-{slice_size}.log"), "w"))
        try:
            wait_port(node_port)
            viewing = [(first, min(first + PART, SIZE // 4) - 1) for first in range(0, SIZE // 4, PART)]
            offsets = random.Random(11)
            seeks = [(first, first + (64 << 10) - 1)
                     for first in (offsets.randrange(0, SIZE - (64 << 10)) for _ in range(SEEKS))]
            start_fds, start_rss = resources(node.pid)
            phases = (("viewers", lambda: run([viewing] * VIEWERS)), ("viewers-warm", lambda: run([viewing] * VIEWERS)),
                      ("seeks", lambda: run([seeks])), ("stalled", stalled),
                      ("hostile", lambda: hostile(int(os.environ.get("HOSTILE_SECONDS", "30")))))
            for name, phase in phases:
                if name == "hostile":
                    live_before = histogram(node.pid)
                counts, seconds, sent = phase()
                print(f"{slice_size:>10} {name:>12} {counts['requests']:>8} {counts['errors']:>6} {seconds:>8.2f} "
                      f"{counts['bytes'] / (1 << 20) / seconds:>8.1f} {sent:>10.1f}", flush=True)
            time.sleep(65)  # origin.read-timeout (60s): idle origin connections closed by then
            print(f"# slice-size {slice_size}: live objects before the hostile phase {live_before}, after {histogram(node.pid)}")
            fds, rss = resources(node.pid)
            print(f"# slice-size {slice_size}: node descriptors {start_fds} -> {fds}, RSS {start_rss} -> {rss} MiB")
        finally:
            node.terminate()
            node.wait(30)
finally:
    nginx.terminate()
    nginx.wait(10)
    shutil.rmtree(work, ignore_errors=True)
