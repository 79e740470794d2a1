#!/usr/bin/env python3
"""Hostile clients against one node, as issue 13's table tried them, with what each costs the node.

Starts a local origin and one node (bin/sibyl, the hostile operator's settings: -Xmx256m,
512 MiB of direct memory, cache.memory = 256m, forward proxy on the defaults otherwise), then
runs each flood in turn while a polite client keeps asking for a cached object. For each it
prints the node's RSS, descriptors and heap after a full GC before and after, what the flooding
clients got (statuses, resets), what the access log says about them, and the polite client's
latency (p50/p99) during the flood against before it.

    bench/hostile.py [SCENARIO...]     scenarios: spliced pipelined posts slowloris (default: all)

Everything listens on 127.0.0.1, is bounded in count and time, and stops by itself; only the
processes this script started are stopped. Environment: PORT_BASE (default 19180), ROUNDS (of the
pipelined flood, default 2), SLOWLORIS (connections, default 3000), NODE_SETTINGS (more node
settings, separated by ";", e.g. "http.max-request-body = 64m; http.request-bodies-in-flight = 128m"),
KEEP (a directory to keep the node's logs in).
"""
import http.server
import os
import re
import resource
import select
import shutil
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = int(os.environ.get("PORT_BASE", "19180"))
ORIGIN, HTTP, ICP = BASE, BASE + 1, BASE + 2
PROXY = ("127.0.0.1", HTTP)
SMALL = b"s" * 1024
LARGE = b"l" * (400 << 10)


class Origin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        body, control = (LARGE, "no-store") if self.path.startswith("/no-store") else (SMALL, "max-age=3600")
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", control)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                break
            remaining -= len(chunk)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def url(path):
    return "http://127.0.0.1:%d%s" % (ORIGIN, path)


def proc_status(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def descriptors(pid):
    fds = os.listdir("/proc/%d/fd" % pid)
    pipes = 0
    for fd in fds:
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("pipe:"):
                pipes += 1
        except OSError:
            pass
    return len(fds), pipes


def heap_after_gc(pid):
    subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True, timeout=60)
    out = subprocess.run(["jcmd", str(pid), "GC.heap_info"], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"total (\d+)K, used (\d+)K", out)
    return int(m.group(2)) // 1024 if m else -1


def counters():
    request = urllib.request.Request("http://127.0.0.1:%d/squid-internal-mgr/counters" % HTTP)
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return dict(line.split(" = ", 1) for line in text.splitlines() if " = " in line)


def snapshot(pid, label):
    fds, pipes = descriptors(pid)
    c = counters()
    return {
        "pid": pid,
        "label": label,
        "rss": proc_status(pid, "VmRSS") // 1024,
        "heap": heap_after_gc(pid),
        "fds": fds,
        "pipes": pipes,
        "connections": int(c.get("sibyl.http.connections", -1)),
        "bodies": int(c.get("sibyl.http.request_body_bytes", -1)),
    }


def native_memory(pid):
    """The JVM's own account of its committed memory, by area, when it tracks it (NODE_JAVA_OPTS)."""
    out = subprocess.run(["jcmd", str(pid), "VM.native_memory", "summary"], capture_output=True, text=True,
                         timeout=60).stdout
    areas = re.findall(r"-\s+(\w[\w ]*?) \(reserved=\d+KB, committed=(\d+)KB", out)
    return ", ".join("%s %d" % (name, int(kb) // 1024) for name, kb in areas if int(kb) >= 4096)


def show(snap):
    print("  %-22s RSS %4d MiB  heap after GC %4d MiB  fds %5d  pipes %4d  client connections %5d  body bytes %d"
          % (snap["label"], snap["rss"], snap["heap"], snap["fds"], snap["pipes"], snap["connections"], snap["bodies"]),
          flush=True)
    if "NativeMemoryTracking" in os.environ.get("NODE_JAVA_OPTS", ""):
        print("    committed MiB: " + native_memory(snap["pid"]), flush=True)


class Polite(threading.Thread):
    """Asks for a cached object on its own keep-alive connection, 20 times a second, timing each."""

    def __init__(self):
        super().__init__(daemon=True)
        self.latencies = []
        self.failures = 0
        self.stopped = threading.Event()

    def run(self):
        request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % url("/polite")).encode()
        sock = None
        while not self.stopped.is_set():
            try:
                if sock is None:
                    sock = socket.create_connection(PROXY, timeout=10)
                start = time.monotonic()
                sock.sendall(request)
                read_response(sock)
                self.latencies.append((time.monotonic() - start) * 1000)
            except OSError:
                self.failures += 1
                if sock:
                    sock.close()
                sock = None
            self.stopped.wait(0.05)

    def window(self):
        taken, self.latencies = self.latencies, []
        return taken


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("closed")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("closed")
        rest += chunk
    return int(head.split(b" ")[1])


def latency(samples):
    if not samples:
        return "no samples"
    samples = sorted(samples)
    return "p50 %.1f ms, p99 %.1f ms (%d requests)" % (
        statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))], len(samples))


def logged(log, since, pattern):
    with open(log) as f:
        lines = f.readlines()[since:]
    statuses = {}
    for line in lines:
        if pattern in line:
            code = line.split()[3]
            statuses[code] = statuses.get(code, 0) + 1
    return statuses


def log_lines(log):
    with open(log) as f:
        return sum(1 for _ in f)


def sibyl_objects(pid):
    """Instances of the node's own classes, after a full GC, by class."""
    out = subprocess.run(["jcmd", str(pid), "GC.class_histogram"], capture_output=True, text=True, timeout=120).stdout
    counts = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[3].startswith("sibyl."):
            counts[fields[3]] = int(fields[1])
    return counts


def spliced(pid, log, polite):
    """3,000 GETs of a 400 KiB no-store object (spliced socket to socket) on one kept-alive connection."""
    before = sibyl_objects(pid)
    sock = socket.create_connection(PROXY, timeout=30)
    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % url("/no-store/large")).encode()
    statuses = {}
    for _ in range(3000):
        sock.sendall(request)
        status = read_response(sock)
        statuses[status] = statuses.get(status, 0) + 1
    print("  statuses: %s; the connection stays open" % statuses, flush=True)
    after = sibyl_objects(pid)
    grown = sorted(((after[name] - before.get(name, 0), name) for name in after), reverse=True)[:5]
    print("  the node's classes that grew most: " + ", ".join("%s +%d" % (name.rsplit(".", 1)[-1], n)
                                                               for n, name in grown), flush=True)
    show(snapshot(pid, "connection kept open"))
    sock.close()


def pipelined(pid, log, polite):
    """100,000 pipelined GETs on one connection, responses never read; ROUNDS times."""
    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % url("/flood")).encode()
    for round in range(int(os.environ.get("ROUNDS", "2"))):
        sock = socket.create_connection(PROXY)
        sock.setblocking(False)
        batch = request * 1000
        sent = 0
        deadline = time.monotonic() + 20
        while sent < 100_000 and time.monotonic() < deadline:
            _, writable, _ = select.select([], [sock], [], 0.5)
            if not writable:
                continue
            try:
                n = sock.send(batch)
            except BlockingIOError:
                continue
            if n < len(batch):
                batch = batch[n:]
                continue
            sent += 1000
            batch = request * 1000
        print("  round %d: the node took %d of 100,000 requests before it stopped reading (20 s at most)"
              % (round + 1, sent), flush=True)
        show(snapshot(pid, "flood held, unread"))
        print("  polite client during the flood: %s" % latency(polite.window()), flush=True)
        sock.close()
        time.sleep(3)
        show(snapshot(pid, "flood closed"))


def posts(pid, log, polite):
    """16 concurrent POSTs of 60 MiB, each on its own connection."""
    body = b"p" * (1 << 20)
    results = []
    since = log_lines(log)

    def post(i):
        try:
            sock = socket.create_connection(PROXY, timeout=30)
            sock.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n"
                          % (url("/upload/%d" % i), 60 << 20)).encode())
            try:
                for _ in range(60):
                    sock.sendall(body)
            except OSError:
                pass  # refused early: the answer is already on its way
            results.append(read_response(sock))
        except OSError as e:
            results.append("reset: %s" % e)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    summary = {}
    for r in results:
        summary[r] = summary.get(r, 0) + 1
    print("  clients saw: %s" % summary, flush=True)
    time.sleep(2)
    print("  access log: %s" % logged(log, since, "POST "), flush=True)
    time.sleep(6)  # the JVM trims the native heap every 5 s (bin/sibyl)
    print("  polite client during the posts: %s" % latency(polite.window()), flush=True)
    show(snapshot(pid, "after the posts"))


def slowloris(pid, log, polite):
    """SLOWLORIS connections each sending one header byte every 2 s, for at most 60 s."""
    count = int(os.environ.get("SLOWLORIS", "3000"))
    head = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: %s\r\n\r\n" % (url("/slow"), "s" * 200)).encode()
    since = log_lines(log)
    socks, opened, start = [], 0, time.monotonic()
    for _ in range(count):
        try:
            s = socket.create_connection(PROXY, timeout=5)
            s.setblocking(False)
            socks.append([s, 0, None])
            opened += 1
        except OSError:
            break
    print("  %d connections open" % opened, flush=True)
    show(snapshot(pid, "slowloris connected"))
    while time.monotonic() - start < 60 and any(entry[2] is None for entry in socks):
        for entry in socks:
            if entry[2] is not None:
                continue
            s, sent, _ = entry
            try:
                if sent < len(head):
                    s.send(head[sent:sent + 1])
                    entry[1] += 1
                data = s.recv(4096)
                if data == b"" or data:
                    entry[2] = time.monotonic() - start
            except BlockingIOError:
                pass
            except OSError:
                entry[2] = time.monotonic() - start
        time.sleep(2)
    held = sorted(entry[2] for entry in socks if entry[2] is not None)
    still = sum(1 for entry in socks if entry[2] is None)
    if held:
        print("  closed by the node: %d, after %.0f s (median) .. %.0f s (last); still open after 60 s: %d"
              % (len(held), statistics.median(held), held[-1], still), flush=True)
    else:
        print("  none closed by the node within 60 s", flush=True)
    for entry in socks:
        entry[0].close()
    time.sleep(2)
    print("  access log: %s" % logged(log, since, "error:"), flush=True)
    print("  polite client during the slowloris: %s" % latency(polite.window()), flush=True)
    show(snapshot(pid, "slowloris closed"))


def main():
    scenarios = sys.argv[1:] or ["spliced", "pipelined", "posts", "slowloris"]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    work = tempfile.mkdtemp(prefix="sibyl-hostile-")
    log = os.path.join(work, "access.log")
    with open(os.path.join(work, "node.conf"), "w") as f:
        f.write('node.name = hostile\nicp.listen = ["127.0.0.1:%d"]\nhttp.listen = ["127.0.0.1:%d"]\n'
                'admin.listen = ["127.0.0.1:0"]\n'
                'http.access-log = "%s"\ncache.memory = 256m\nwarm-up { icp-queries = 0, http-requests = 0 }\n'
                % (ICP, HTTP, log) + os.environ.get("NODE_SETTINGS", "").replace(";", "\n") + "\n")
    origin = ThreadingServer(("127.0.0.1", ORIGIN), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    env = dict(os.environ, JAVA_OPTS="-Xmx256m -XX:MaxDirectMemorySize=512m " + os.environ.get("NODE_JAVA_OPTS", ""))
    node = subprocess.Popen([os.path.join(TOP, "bin/sibyl"), "node", "--config", os.path.join(work, "node.conf")],
                            env=env, stdout=open(os.path.join(work, "node.out"), "w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                counters()
                break
            except OSError:
                if time.monotonic() > deadline or node.poll() is not None:
                    sys.exit("the node did not start: see %s/node.out" % work)
                time.sleep(0.5)
        for _ in range(200):  # the polite object cached, the paths warm
            s = socket.create_connection(PROXY)
            s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % url("/polite")).encode())
            read_response(s)
            s.close()
        polite = Polite()
        polite.start()
        time.sleep(5)
        print("baseline", flush=True)
        show(snapshot(node.pid, "start"))
        print("  polite client alone: %s" % latency(polite.window()), flush=True)
        for name in scenarios:
            print(name + ": " + globals()[name].__doc__, flush=True)
            globals()[name](node.pid, log, polite)
        polite.stopped.set()
        polite.join(5)
        print("polite client failures: %d" % polite.failures, flush=True)
        oom = subprocess.run(["grep", "-c", "OutOfMemoryError", os.path.join(work, "node.out")],
                             capture_output=True, text=True).stdout.strip()
        print("OutOfMemoryError in the node's log: %s" % oom, flush=True)
    finally:
        node.terminate()
        try:
            node.wait(30)
        except subprocess.TimeoutExpired:
            node.kill()
        origin.shutdown()
        if os.environ.get("KEEP"):
            shutil.copytree(work, os.environ["KEEP"], dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
