"""What the benchmarks that run one node behind an nginx origin on 127.0.0.1 share: waiting for a
port, the origin, the node from this checkout, and waiting until it says it is ready. Imported
by bench/metrics-scrape.py and bench/reload-under-load.py (run from anywhere: Python puts a
script's own directory first on its path)."""
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wait_port(port, what, work, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{what} does not listen on 127.0.0.1:{port}; see {work}")


def start_origin(work, port, files):
    """nginx serving {name: bytes} from work/www, every response cacheable for an hour."""
    os.makedirs(os.path.join(work, "www"), exist_ok=True)
    for name, body in files.items():
        with open(os.path.join(work, "www", name), "wb") as f:
            f.write(body)
    with open(os.path.join(work, "nginx.conf"), "w") as f:
        f.write(f"""daemon off; worker_processes 1; pid {work}/nginx.pid; error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work}; uwsgi_temp_path {work}; scgi_temp_path {work};
  server {{ listen 127.0.0.1:{port}; root {work}/www; location / {{ add_header Cache-Control "max-age=3600"; }} }}
}}""")
    nginx = subprocess.Popen(["nginx", "-c", os.path.join(work, "nginx.conf"), "-p", work])
    wait_port(port, "nginx", work)
    return nginx


def start_node(work, config, admin_port):
    """`bin/sibyl node --config CONFIG`, its log in work/node.log; returns once /readyz says ready."""
    env = dict(os.environ, JAVA_OPTS="-XX:MaxDirectMemorySize=512m")
    node = subprocess.Popen([os.path.join(TOP, "bin", "sibyl"), "node", "--config", config],
                            stdout=open(os.path.join(work, "node.log"), "w"), stderr=subprocess.STDOUT, env=env)
    wait_port(admin_port, "the node's admin listener", work)
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/readyz", timeout=5).read()
            return node
        except (urllib.error.HTTPError, OSError):  # 503 while it warms up
            if time.time() > deadline:
                raise SystemExit(f"the node did not become ready; see {work}")
            time.sleep(0.2)


def stop(*processes):
    for process in processes:
        if process:
            process.terminate()
    for process in processes:
        if process:
            process.wait(60)
