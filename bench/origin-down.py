#!/usr/bin/env python3
"""An origin down for a while behind a Sibyl node: how many client requests fail, and how many
are answered with the stale copy (issue 14's target: with stale-if-error, none fail for objects
inside their window).

Starts, on 127.0.0.1, an origin process of its own and a node from this checkout (bin/sibyl,
built), warms OBJECTS objects, then asks for random ones from CLIENTS threads for
UP + DOWN + UP seconds; the origin is killed after the first UP seconds and started again
DOWN seconds later. Objects are fresh for 5 s, so most requests during the outage revalidate.
Prints requests, errors and stale answers (the node's TCP_REFRESH_FAIL_OLD) per phase, for
each CACHE_CONTROL given. Stops everything it started, by pid.

    bench/origin-down.py [DOWN_SECONDS] [UP_SECONDS]
    CACHE_CONTROLS="max-age=5, stale-if-error=300|max-age=5" GRACE=0s bench/origin-down.py 60 10
    (GRACE sets cache.grace.stale-if-error; the default, 1h, is the node's)
"""
import http.client
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
down = int(sys.argv[1]) if len(sys.argv) > 1 else 60
up = int(sys.argv[2]) if len(sys.argv) > 2 else 10
objects = int(os.environ.get("OBJECTS", "100"))
clients = int(os.environ.get("CLIENTS", "4"))
controls = os.environ.get("CACHE_CONTROLS", "max-age=5, stale-if-error=300|max-age=5").split("|")
grace = os.environ.get("GRACE", "1h")
origin_port = int(os.environ.get("ORIGIN_PORT", "18481"))
node_port = origin_port + 1
work = tempfile.mkdtemp(prefix="origin-down-")

ORIGIN = r'''
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b"x" * 4096
        self.send_response(200)
        control = self.path.split("cc=", 1)[1] if "cc=" in self.path else "max-age=5"
        self.send_header("Cache-Control", control.replace("%20", " ").replace("%2C", ","))
        self.send_header("ETag", '"' + self.path.split("?")[0].rsplit("/", 1)[-1] + '"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
'''


def resources(pid):
    """The node's open descriptors and resident memory (MiB), from /proc."""
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) // 1024
    return fds, rss


def start_origin():
    return subprocess.Popen([sys.executable, "-c", ORIGIN, str(origin_port)], stderr=open(os.path.join(work, "origin.log"), "a"))


def wait_port(port, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answers on 127.0.0.1:{port}")


conf = os.path.join(work, "node.conf")
log = os.path.join(work, "access.log")
with open(conf, "w") as f:
    f.write(f'http.listen = ["127.0.0.1:{node_port}"]\nicp.listen = ["127.0.0.1:{node_port + 1}"]\n'
            f'http.access-log = "{log}"\norigin.connect-timeout = 1s\ncache.grace.stale-if-error = {grace}\n')
node = subprocess.Popen([os.path.join(top, "bin", "sibyl"), "node", "--config", conf],
                        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "node.log"), "w"))
origin = start_origin()
try:
    wait_port(node_port)
    wait_port(origin_port)
    phase = {"name": "up"}
    counts = {}
    lock = threading.Lock()
    urls = {cc: [f"http://127.0.0.1:{origin_port}/o/{i}?cc={cc.replace(' ', '%20').replace(',', '%2C')}"
                 for i in range(objects)] for cc in controls}

    def client(seed):
        rnd = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", node_port, timeout=30)
        while time.time() < stop:
            cc = rnd.choice(controls)
            url = rnd.choice(urls[cc])
            try:
                connection.request("GET", url)
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", node_port, timeout=30)
                status = "failed"
            key = (phase["name"], cc)
            with lock:
                c = counts.setdefault(key, {"requests": 0, "errors": 0})
                c["requests"] += 1
                if status != 200:
                    c["errors"] += 1
            time.sleep(0.005)

    for cc in controls:  # warm: every object stored once
        for url in urls[cc]:
            connection = http.client.HTTPConnection("127.0.0.1", node_port, timeout=30)
            connection.request("GET", url)
            connection.getresponse().read()
            connection.close()
    before = resources(node.pid)
    marks = {"up": time.time()}
    stop = time.time() + up + down + up
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(up)
    origin.send_signal(signal.SIGKILL)
    origin.wait()
    phase["name"] = "down"
    marks["down"] = time.time()
    time.sleep(down)
    origin = start_origin()
    wait_port(origin_port)
    phase["name"] = "up again"
    marks["up again"] = time.time()
    for t in threads:
        t.join()
    time.sleep(1)
    after = resources(node.pid)
    stale = {}
    with open(log) as f:
        for line in f:
            fields = line.split()
            if len(fields) > 6 and fields[3].startswith("TCP_REFRESH_FAIL_OLD"):
                cc = next(c for c in controls if urls[c][0].split("?cc=")[1] in fields[6])
                t = float(fields[0])
                name = "up again" if t >= marks["up again"] else "down" if t >= marks["down"] else "up"
                stale[(name, cc)] = stale.get((name, cc), 0) + 1
    print(f"origin down {down} s between {up} s up; {objects} objects per Cache-Control, {clients} clients;"
          f" cache.grace.stale-if-error = {grace}")
    print(f"node after warming: {before[0]} descriptors, {before[1]} MiB resident;"
          f" after the run: {after[0]} descriptors, {after[1]} MiB resident")
    print(f"{'Cache-Control':36} {'phase':9} {'requests':>9} {'errors':>7} {'stale answers':>14}")
    for cc in controls:
        for name in ("up", "down", "up again"):
            c = counts.get((name, cc), {"requests": 0, "errors": 0})
            print(f"{cc:36} {name:9} {c['requests']:>9} {c['errors']:>7} {stale.get((name, cc), 0):>14}")
finally:
    for process in (node, origin):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
