#!/usr/bin/env python3
"""A small origin for trying a Sibyl cluster: GET /objects/NAME?size=BYTES answers BYTES bytes
(default 10000) derived from NAME, cacheable for an hour; every other path is 404. Each request
is logged on standard error, so one can count how often the origin was asked.

    docker/origin/origin.py [--bind 127.0.0.20] [--port 8080]
"""
import argparse
import hashlib
import http.server
import socket
import urllib.parse


class Origin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # The head and the body go out in separate writes: without this, Nagle holds the body
        # until the client acknowledges the head, 40 ms on a kept-alive connection (delayed ACK).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self.answer(with_body=True)

    def do_HEAD(self):
        self.answer(with_body=False)

    def answer(self, with_body):
        url = urllib.parse.urlsplit(self.path)
        if not url.path.startswith("/objects/"):
            self.send_error(404, "try /objects/NAME?size=BYTES")
            return
        query = urllib.parse.parse_qs(url.query)
        try:
            size = int(query.get("size", ["10000"])[0])
        except ValueError:
            self.send_error(400, "size must be a number of bytes")
            return
        if size < 0 or size > 1 << 30:
            self.send_error(400, "size must be within 0..1 GiB")
            return
        seed = hashlib.sha256(url.path.encode()).digest()
        body = (seed * (size // len(seed) + 1))[:size]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        if with_body:
            self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8080)
    arguments = parser.parse_args()
    server = http.server.ThreadingHTTPServer((arguments.bind, arguments.port), Origin)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
