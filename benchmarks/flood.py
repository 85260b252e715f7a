"""Connection flood against the local backend: threads and memory with and without the cap.

``python -m benchmarks.flood [--connections 5000]`` starts the backend twice, once with the default
``--max-connections`` and once with the cap out of reach, opens that many connections that never
send a byte, and prints the server's threads and RSS before and after (docs/local-security.md).
Needs an open-file limit above the connection count (``ulimit -n``).
"""

from __future__ import annotations

import argparse
import resource
import socket
import tempfile
import time
from urllib.parse import urlsplit

import psutil

from automl_local.limits import FLAGS
from automl_local.process import LocalBackendProcess

UNCAPPED = 1_000_000


def measure(connections: int, cap: int) -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory() as data_dir,
        LocalBackendProcess(data_dir, extra_args=["--max-connections", str(cap)]) as backend,
    ):
        assert backend.process is not None
        server = psutil.Process(backend.process.pid)
        time.sleep(1)
        threads0, rss0 = server.num_threads(), server.memory_info().rss
        parts = urlsplit(backend.url)
        socks = [socket.create_connection((parts.hostname, parts.port)) for _ in range(connections)]
        time.sleep(2)
        threads1, rss1 = server.num_threads(), server.memory_info().rss
        for sock in socks:
            sock.close()
    return {"threads_before": threads0, "threads_after": threads1, "rss_before": rss0, "rss_after": rss1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=5000)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = args.connections + 256
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
    default = FLAGS["max_connections"].default
    print(f"{args.connections} connections that send nothing:")
    for label, cap in (("default cap", default), ("no cap", UNCAPPED)):
        r = measure(args.connections, cap)
        mib = 1024 * 1024
        print(
            f"  {label} (--max-connections {cap}): threads {r['threads_before']:.0f} -> "
            f"{r['threads_after']:.0f}, RSS {r['rss_before'] / mib:.0f} -> {r['rss_after'] / mib:.0f} MiB"
        )


if __name__ == "__main__":
    main()
