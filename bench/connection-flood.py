#!/usr/bin/env python3
"""What closed client connections leave alive in a node: COUNT connections, each sending the
start of a request head and closing at once (so the node's header timeout is armed), then the
node's live pipelines and heap after a full GC (jcmd GC.class_histogram, GC.heap_info).

Give it a node already running (bin/sibyl node) that this user may jcmd:

    bench/connection-flood.py HOST:PORT PID [COUNT]

Sends traffic only to HOST:PORT (use 127.0.0.x), COUNT connections (default 20000), one at a
time; stops by itself.
"""
import re
import socket
import subprocess
import sys
import time

host, port = sys.argv[1].rsplit(":", 1)
pid = sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 20000


def live():
    histogram = subprocess.run(["jcmd", pid, "GC.class_histogram"], capture_output=True, text=True).stdout
    pipelines = 0
    for line in histogram.splitlines():
        words = line.split()
        if len(words) >= 4 and words[3] == "io.netty.channel.DefaultChannelPipeline":
            pipelines = int(words[1])
    heap = re.search(r"used (\d+)K", subprocess.run(["jcmd", pid, "GC.heap_info"], capture_output=True, text=True).stdout)
    return pipelines, int(heap.group(1)) // 1024 if heap else -1


pipelines, heap = live()
print(f"before: {pipelines} pipelines alive, heap used {heap} MiB")
start = time.time()
for _ in range(count):
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(b"GET http://127.0.0.1:9/ HTTP/1.1\r\nHo")
print(f"{count} connections in {time.time() - start:.1f} s")
time.sleep(2)
pipelines, heap = live()
print(f"after:  {pipelines} pipelines alive, heap used {heap} MiB")
