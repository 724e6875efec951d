#!/usr/bin/env python3
"""A fake Lambda Runtime API on 127.0.0.1 for measuring a `bootstrap` outside AWS.

  startup mode (default): exec `bootstrap` N times; report the time from exec to its first
  `GET /2018-06-01/runtime/invocation/next` (= init done, ready for an event) and its peak
  RSS (VmHWM) at that moment.

  events mode (--event FILE ...): one container, the events served in order; reports each
  invocation's duration and outcome, and the peak RSS after the last one.

The function's own settings come from this process's environment (NAVSYNC_*, AWS_*).
Python standard library only.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


class Runtime:
    def __init__(self, events):
        self.events = list(events)
        self.first_next = None
        self.first_next_event = threading.Event()
        self.results = []  # (request id, "response"|"error", seconds, body)
        self.sent = {}
        self.done = threading.Event()
        self.init_error = None
        self.hold = threading.Event()  # released at shutdown

    def handler(runtime):
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != PREFIX + "/invocation/next":
                    return self._reply(404)
                now = time.perf_counter()
                if runtime.first_next is None:
                    runtime.first_next = now
                    runtime.first_next_event.set()
                if not runtime.events:
                    runtime.done.set()
                    runtime.hold.wait()  # like Lambda: no event, the request just waits
                    return
                payload = runtime.events.pop(0)
                rid = str(uuid.uuid4())
                deadline = int(time.time() * 1000) + 900_000
                runtime.sent[rid] = time.perf_counter()
                self._reply(
                    200,
                    payload,
                    [
                        ("Content-Type", "application/json"),
                        ("Lambda-Runtime-Aws-Request-Id", rid),
                        ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                        ("Lambda-Runtime-Invoked-Function-Arn",
                         "arn:aws:lambda:eu-central-1:123456789012:function:bench"),
                        ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
                    ],
                )

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = self.path[len(PREFIX):].strip("/").split("/")
                if parts[:2] == ["init", "error"]:
                    runtime.init_error = body.decode(errors="replace")
                    runtime.first_next_event.set()
                    runtime.done.set()
                elif len(parts) == 3 and parts[0] == "invocation":
                    rid, kind = parts[1], parts[2]
                    took = time.perf_counter() - runtime.sent.get(rid, time.perf_counter())
                    runtime.results.append((rid, kind, took, body))
                self._reply(202, b'{"status":"OK"}', [("Content-Type", "application/json")])

        return H


def serve(runtime):
    server = ThreadingHTTPServer(("127.0.0.1", 0), runtime.handler())
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def vm(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])  # kB
    return 0


def launch(bootstrap, server):
    # What Lambda sets for every function (lambda_runtime refuses to start without them).
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        **os.environ,
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
    }
    start = time.perf_counter()
    proc = subprocess.Popen([bootstrap], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    return proc, start


def stop(proc, runtime, server):
    proc.kill()
    proc.wait()
    runtime.hold.set()
    server.shutdown()
    server.server_close()


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def startup(args):
    times, hwm = [], []
    for _ in range(args.runs):
        runtime = Runtime([])
        server = serve(runtime)
        proc, start = launch(args.bootstrap, server)
        if not runtime.first_next_event.wait(30) or runtime.init_error:
            stop(proc, runtime, server)
            sys.exit(f"no first `next` request: init error {runtime.init_error!r}, "
                     f"stderr {proc.stderr.read().decode(errors='replace')[-2000:]}")
        times.append((runtime.first_next - start) * 1000)
        hwm.append(vm(proc.pid, "VmHWM"))
        stop(proc, runtime, server)
    print(json.dumps({
        "bootstrap": args.bootstrap, "runs": args.runs,
        "exec_to_first_next_ms": {"median": round(statistics.median(times), 2),
                                  "p90": round(pct(times, 90), 2),
                                  "min": round(min(times), 2), "max": round(max(times), 2)},
        "peak_rss_kb_at_ready": {"median": statistics.median(hwm), "max": max(hwm)},
    }, indent=2))


def events(args):
    payloads = [open(p, "rb").read() for p in args.event]
    runtime = Runtime(payloads)
    server = serve(runtime)
    proc, start = launch(args.bootstrap, server)
    if not runtime.done.wait(args.timeout):
        stop(proc, runtime, server)
        sys.exit("timed out")
    peak = vm(proc.pid, "VmHWM")
    stop(proc, runtime, server)
    if runtime.init_error:
        sys.exit(f"init error: {runtime.init_error}")
    out = []
    for (rid, kind, took, body), path in zip(runtime.results, args.event):
        text = body.decode(errors="replace")
        out.append({"event": path, "outcome": kind, "seconds": round(took, 3),
                    "body_bytes": len(body), "body_head": text[:300]})
    print(json.dumps({"bootstrap": args.bootstrap, "invocations": out,
                      "peak_rss_kb": peak}, indent=2))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bootstrap")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--event", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()
    (events if args.event else startup)(args)


if __name__ == "__main__":
    main()
