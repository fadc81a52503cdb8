#!/usr/bin/env python3
"""Loopback HTTPS admission webhook for tests/e2e/test_webhooks.sh (python3 stdlib only).

Usage: webhook_server.py --cert C --key K --port-file F --log L

Binds --host (127.0.0.1) on port 0, writes the chosen port to F, and appends every request it
receives to L as one JSON line {"method", "path", "query", "content_type", "body"} (body:
the parsed AdmissionReview, or null with "raw" when it is not JSON), before answering.

The first path segment picks the behaviour, so several webhooks can share one behaviour and
still be told apart in the log (/allow/a, /allow/b):
  /mutate-label   allowed; JSONPatch adding label webhook.ckube.test/mutated: "yes"
  /deny-if-label  denied with status {code: 403, message} when label deny=true, else allowed
  /allow          allowed
  /allow-warn     allowed with warnings ["webhook says hello"]
  /slow           sleeps 3 s, then allowed
  /deny-code      denied with status {code: 422, reason: Invalid, message: "custom invalid"}
  /deny-bare      denied with no status at all
  /wrong-uid      allowed, but response.uid is not the request's
  /bad-json       HTTP 200 with a body that is not JSON
  /count-mutate   allowed; JSONPatch setting annotation webhook.ckube.test/count to the number
                  of times this webhook has been called for the object's name (reinvocation)
Anything else answers 404. Exits on SIGTERM (and SIGINT).
"""
import argparse
import base64
import json
import os
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

MUTATED_LABEL = "webhook.ckube.test/mutated"
COUNT_ANNOTATION = "webhook.ckube.test/count"
DENY_MESSAGE = "objects labelled deny=true are not allowed"
WARNING = "webhook says hello"
SLOW_SECONDS = 3.0

log_lock = threading.Lock()
log_file = None
counts = {}
counts_lock = threading.Lock()


def json_pointer_escape(s):
    return s.replace("~", "~0").replace("/", "~1")


def log_request(entry):
    line = json.dumps(entry, separators=(",", ":"), sort_keys=True)
    with log_lock:
        log_file.write(line + "\n")
        log_file.flush()


def patch_response(ops):
    return {
        "patchType": "JSONPatch",
        "patch": base64.b64encode(json.dumps(ops).encode()).decode(),
    }


def metadata_of(request):
    # DELETE sends the object being deleted as oldObject and no object.
    obj = request.get("object") or request.get("oldObject") or {}
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    return meta if isinstance(meta, dict) else {}


def decide(kind, request):
    """Returns the AdmissionReview response fields other than uid."""
    meta = metadata_of(request)
    labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else None
    if kind == "mutate-label":
        ops = []
        if labels is None:
            ops.append({"op": "add", "path": "/metadata/labels", "value": {}})
        ops.append({"op": "add", "path": "/metadata/labels/" + json_pointer_escape(MUTATED_LABEL),
                    "value": "yes"})
        return dict(allowed=True, **patch_response(ops))
    if kind == "deny-if-label":
        if (labels or {}).get("deny") == "true":
            return {"allowed": False, "status": {"code": 403, "message": DENY_MESSAGE}}
        return {"allowed": True}
    if kind == "allow":
        return {"allowed": True}
    if kind == "allow-warn":
        return {"allowed": True, "warnings": [WARNING]}
    if kind == "slow":
        time.sleep(SLOW_SECONDS)
        return {"allowed": True}
    if kind == "deny-code":
        return {"allowed": False,
                "status": {"code": 422, "reason": "Invalid", "message": "custom invalid"}}
    if kind == "deny-bare":
        return {"allowed": False}
    if kind == "count-mutate":
        key = (request.get("namespace") or "", meta.get("name") or request.get("name") or "")
        with counts_lock:
            counts[key] = counts.get(key, 0) + 1
            n = counts[key]
        ops = []
        if not isinstance(meta.get("annotations"), dict):
            ops.append({"op": "add", "path": "/metadata/annotations", "value": {}})
        ops.append({"op": "add",
                    "path": "/metadata/annotations/" + json_pointer_escape(COUNT_ANNOTATION),
                    "value": str(n)})
        return dict(allowed=True, **patch_response(ops))
    return None


KNOWN = {"mutate-label", "deny-if-label", "allow", "allow-warn", "slow", "deny-code",
         "deny-bare", "wrong-uid", "bad-json", "count-mutate"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ckube-test-webhook/1"

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def send(self, code, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def do_GET(self):
        # Readiness probe for the test script; not logged.
        if urlsplit(self.path).path == "/healthz":
            self.send(200, b"ok", "text/plain")
        else:
            self.send(404, b"not found", "text/plain")

    def do_POST(self):
        url = urlsplit(self.path)
        raw = self.read_body()
        entry = {"method": "POST", "path": url.path, "query": url.query,
                 "content_type": self.headers.get("Content-Type"), "body": None}
        try:
            entry["body"] = json.loads(raw)
        except ValueError:
            entry["raw"] = raw.decode("utf-8", "replace")
        log_request(entry)

        kind = url.path.strip("/").split("/")[0]
        if kind not in KNOWN:
            self.send(404, b"no such webhook", "text/plain")
            return
        if kind == "bad-json":
            self.send(200, b"{not json", "application/json")
            return
        review = entry["body"]
        request = review.get("request") if isinstance(review, dict) else None
        if not isinstance(request, dict):
            self.send(400, b"expected an AdmissionReview with a request", "text/plain")
            return
        uid = request.get("uid", "")
        if kind == "wrong-uid":
            response = {"allowed": True}
            uid = "not-the-request-uid"
        else:
            response = decide(kind, request)
        response = dict(uid=uid, **response)
        self.send(200, {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                        "response": response})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Handshake failures, clients gone before /slow answers (the API server's timeout),
        # and the like: one line on stderr, no traceback.
        exc = sys.exc_info()[1]
        print("webhook_server: %s: %s" % (client_address, exc), file=sys.stderr)


def main():
    global log_file
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()

    log_file = open(args.log, "a", encoding="utf-8")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["http/1.1"])

    httpd = Server((args.host, 0), Handler)
    # The handshake runs on the handler's thread (first read), not in accept() on the
    # serving thread, so one stuck client cannot stop the others.
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True,
                                   do_handshake_on_connect=False)

    def stop(signum, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    port = httpd.server_address[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, args.port_file)

    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
        log_file.close()


if __name__ == "__main__":
    main()
