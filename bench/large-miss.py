#!/usr/bin/env python3
"""How much of a large body an origin sends for a HEAD, a 1-byte Range or a conditional miss
through a proxy (issue 14's target: at most 1 MiB of a 200 MiB object the proxy cannot store).

Starts its own origin on 127.0.0.1 (a port of its own), whose sockets have a 64 KiB send
buffer so that what it counts as sent is what went over the connection, not what a large
kernel buffer took in; then asks PROXY (host:port, a Sibyl node, Squid, Varnish...) for each
case, waits for every origin response to end, and prints the bytes of body the origin sent.
Stops by itself; sends traffic only to 127.0.0.1.

    bench/large-miss.py 127.0.0.1:3128 [SIZE_MIB]
"""
import http.client
import socket
import socketserver
import sys
import threading
import time

SIZE = (int(sys.argv[2]) if len(sys.argv) > 2 else 200) << 20
proxy_host, proxy_port = sys.argv[1].rsplit(":", 1)
sent = {}
active = {"n": 0}
lock = threading.Lock()


class Origin(socketserver.StreamRequestHandler):
    def setup(self):
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
        super().setup()

    def handle(self):
        while True:
            line = self.rfile.readline(65537)
            if not line:
                return
            method, target, _ = line.decode("latin-1").split(" ", 2)
            headers = {}
            while True:
                h = self.rfile.readline(65537).decode("latin-1")
                if h in ("\r\n", "\n", ""):
                    break
                name, value = h.split(":", 1)
                headers[name.strip().lower()] = value.strip()
            path = target.split("?", 1)[0].rsplit("/", 1)[-1]
            control = "no-store" if "no-store" in target else "max-age=600"
            with lock:
                active["n"] += 1
            try:
                self.answer(method, path, target, headers, control)
            finally:
                with lock:
                    active["n"] -= 1

    def answer(self, method, path, target, headers, control):
        common = f"Cache-Control: {control}\r\nETag: \"y\"\r\nConnection: keep-alive\r\n"
        if headers.get("if-none-match") == '"y"':
            self.wfile.write(f"HTTP/1.1 304 Not Modified\r\n{common}\r\n".encode())
            return
        first, count, status = 0, SIZE, "200 OK"
        extra = ""
        rng = headers.get("range", "")
        if rng.startswith("bytes=") and "-" in rng:
            a, b = rng[6:].split("-", 1)
            first, count, status = int(a), min(SIZE - 1, int(b)) - int(a) + 1, "206 Partial Content"
            extra = f"Content-Range: bytes {first}-{first + count - 1}/{SIZE}\r\n"
        self.wfile.write(f"HTTP/1.1 {status}\r\n{common}{extra}Content-Length: {count}\r\n\r\n".encode())
        self.wfile.flush()
        if method == "HEAD":
            return
        chunk = bytes(64 * 1024)
        left = count
        try:
            while left > 0:
                n = min(len(chunk), left)
                self.wfile.write(chunk[:n])
                self.wfile.flush()
                with lock:
                    key = target.split("://", 1)[-1]
                    key = key[key.index("/"):] if "://" in target else key
                    sent[key] = sent.get(key, 0) + n
                left -= n
        except OSError:
            raise ConnectionAbortedError  # the proxy stopped reading: this connection is over


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass


origin = Server(("127.0.0.1", 0), Origin)
threading.Thread(target=origin.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{origin.server_address[1]}/large"

cases = [("HEAD", None), ("GET", ("Range", "bytes=0-0")), ("GET", ("If-None-Match", '"y"'))]
print(f"proxy {sys.argv[1]}, object {SIZE >> 20} MiB; body bytes the origin sent per request")
run = int(time.time())
for control in ("no-store", "max-age"):
    for method, header in cases:
        url = f"{base}/{control}/{method}-{header[0] if header else 'plain'}-{run}"
        connection = http.client.HTTPConnection(proxy_host, int(proxy_port), timeout=60)
        connection.request(method, url, headers=dict([header]) if header else {})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        deadline = time.time() + 60
        time.sleep(0.2)
        while active["n"] > 0 and time.time() < deadline:
            time.sleep(0.05)
        name = f"{method} {header[0] + ': ' + header[1] if header else ''}".strip()
        print(f"  {control:8} {name:24} -> {response.status}, {len(body)} body bytes to the client;"
              f" origin sent {sent.get(url[len(base) - 6:], 0):>11,} bytes")
origin.shutdown()
