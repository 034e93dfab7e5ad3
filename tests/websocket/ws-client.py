#!/usr/bin/python3
# ws-client.py: WebSocket and HTTP clients against a running confabd, for
# tests/test-websocket.c. Usage: ws-client.py SCENARIO WS_PORT TEXT_PORT
#
# Each scenario prints "ok ..." lines as it goes and exits 0; any failure
# exits 1 with the reason; 77 if python3-websockets or
# python3-prometheus-client is missing. Every wait is bounded.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import base64
import json
import os
import signal
import socket
import ssl
import struct
import sys
import time
import urllib.error
import urllib.request

try:
    import websockets
    from prometheus_client.parser import text_string_to_metric_families
except ImportError as e:
    print("missing module:", e)
    sys.exit(77)

TIMEOUT = 10 * float(os.environ.get("CONFAB_TEST_TIMEOUT_SCALE", "1"))


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def check(cond, message):
    if not cond:
        fail(message)
    print("ok", message)


class TextPeer:
    """A text-protocol peer on a plain socket."""

    def __init__(self, port, name):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""
        self.send(name)

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def expect(self, wanted):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                if line.decode() == wanted:
                    return
            data = self.sock.recv(65536)
            if not data:
                break
            self.buf += data
        fail("text peer never got %r" % wanted)


def url(port, path):
    return "http://127.0.0.1:%d%s" % (port, path)


async def recv_json(ws, **wanted):
    """The next object with every member of @wanted (others are skipped)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        obj = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if all(obj.get(k) == v for k, v in wanted.items()):
            return obj
    fail("never received %r" % wanted)


async def login(ws_port, name, **kwargs):
    ws = await websockets.connect("ws://127.0.0.1:%d/chat" % ws_port, open_timeout=TIMEOUT,
                                  ping_interval=None, **kwargs)
    await ws.send(json.dumps({"type": "login", "name": name, "protocol": 2}))
    await recv_json(ws, type="welcome", name=name)
    return ws


# ---- scenarios ----------------------------------------------------------


async def chat(ws_port, text_port):
    ws = await login(ws_port, "wsalice")
    print("ok logged in over a WebSocket")
    bob = TextPeer(text_port, "bob")
    # The text peer is logged in once its own message gets through.
    bob.send("bob: ready")
    bob.expect("from bob: ready")
    bob.send("wsalice: hello from text")
    got = await recv_json(ws, type="message", **{"from": "bob"})
    check(got["text"] == "hello from text", "a text peer's message arrives as one text frame")
    await ws.send(json.dumps({"type": "message", "to": ["bob"], "text": "hi bob, grüße"}))
    bob.expect("from wsalice: hi bob, grüße")
    print("ok the WebSocket peer's message reaches the text peer")
    await ws.send(json.dumps({"type": "join", "room": "#tea"}))
    await recv_json(ws, type="join", room="#tea", name="wsalice")
    await recv_json(ws, type="members", room="#tea")
    bob.send("/join #tea")
    await recv_json(ws, type="join", room="#tea", name="bob")
    bob.send("#tea: in the room")
    got = await recv_json(ws, type="message", room="#tea")
    check(got["text"] == "in the room", "room messages reach the WebSocket peer")
    await ws.send(json.dumps({"type": "message", "to": ["#tea"], "text": "me too"}))
    bob.expect("from wsalice in #tea: me too")
    print("ok the WebSocket peer talks to the room")
    pong = await ws.ping(b"are you there")
    await asyncio.wait_for(pong, TIMEOUT)
    print("ok a ping is answered")
    await ws.close()
    check(ws.close_code == 1000, "a clean close is answered with 1000")
    bob.expect("part #tea: wsalice")


async def origin(ws_port, text_port):
    for bad in ("http://evil.example", "https://127.0.0.1:%d" % ws_port):
        try:
            await websockets.connect("ws://127.0.0.1:%d/chat" % ws_port, origin=bad,
                                     open_timeout=TIMEOUT)
            fail("origin %s was let in" % bad)
        except websockets.InvalidStatusCode as e:
            check(e.status_code == 403, "origin %s refused with 403" % bad)
    for good in ("http://good.example", "http://127.0.0.1:%d" % ws_port):
        ws = await websockets.connect("ws://127.0.0.1:%d/chat" % ws_port, origin=good,
                                      open_timeout=TIMEOUT)
        await ws.close()
        print("ok origin %s accepted" % good)


def raw_ws(ws_port):
    """A WebSocket on a bare socket, handshake done, for hostile frames."""
    sock = socket.create_connection(("127.0.0.1", ws_port), timeout=TIMEOUT)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(("GET /chat HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n" % (ws_port, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        data = sock.recv(1)
        if not data:
            fail("no handshake answer")
        head += data
    if not head.startswith(b"HTTP/1.1 101 "):
        fail("handshake answered %r" % head)
    return sock


def frame(opcode, payload, fin=True, masked=True, rsv=0):
    b0 = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", b0, (0x80 if masked else 0) | n)
    elif n <= 0xFFFF:
        head = struct.pack("!BBH", b0, (0x80 if masked else 0) | 126, n)
    else:
        head = struct.pack("!BBQ", b0, (0x80 if masked else 0) | 127, n)
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


def read_frames(sock):
    """Every frame the server sends until it closes: [(opcode, payload)]."""
    data = b""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
    frames = []
    while len(data) >= 2:
        op, n = data[0] & 0x0F, data[1] & 0x7F
        at = 2
        if n == 126:
            n, at = struct.unpack("!H", data[2:4])[0], 4
        elif n == 127:
            n, at = struct.unpack("!Q", data[2:10])[0], 10
        frames.append((op, data[at:at + n]))
        data = data[at + n:]
    return frames


def close_code(frames):
    for op, payload in frames:
        if op == 0x8:
            return struct.unpack("!H", payload[:2])[0]
    return None


def hostile(ws_port, text_port):
    login = json.dumps({"type": "login", "name": "hostile"}).encode()
    cases = [
        ("oversized message", [frame(1, b"x" * 5000)], 1009),
        ("binary message", [frame(2, b"\x00\x01")], 1003),
        ("invalid UTF-8", [frame(1, b"{\"type\":\"peers\"}\xff")], 1007),
        ("invalid UTF-8 split across fragments",
         [frame(1, b"gr\xc3", fin=False), frame(0, b"(n")], 1007),
        ("unmasked frame", [frame(1, b"hi", masked=False)], 1002),
        ("reserved bits", [frame(1, b"hi", rsv=0x40)], 1002),
        ("fragment flood", [frame(1, b"", fin=False)] + [frame(0, b"", fin=False)] * 300, 1009),
        ("fragments past the limit", [frame(1, b"y" * 1000, fin=False)] +
         [frame(0, b"y" * 1000, fin=False)] * 5, 1009),
        ("continuation without a message", [frame(0, b"x")], 1002),
        ("long ping", [frame(9, b"p" * 126)], 1002),
    ]
    for name, frames, code in cases:
        for logged_in in (False, True):
            sock = raw_ws(ws_port)
            if logged_in:
                sock.sendall(frame(1, login))
            sock.sendall(b"".join(frames))
            got = read_frames(sock)
            sock.close()
            if close_code(got) != code:
                fail("%s%s: closed with %r, not %d (frames %r)" %
                     (name, " after a login" if logged_in else "", close_code(got), code, got[:4]))
        print("ok %s: close %d" % (name, code))
    # A ping is answered with its payload, and a close with a close.
    sock = raw_ws(ws_port)
    sock.sendall(frame(9, b"marco") + frame(8, struct.pack("!H", 1000) + b"bye"))
    got = read_frames(sock)
    check((0xA, b"marco") in got, "a ping is answered with a pong of its payload")
    check(close_code(got) == 1000, "a close is echoed")
    # The server survived it all.
    TextPeer(text_port, "survivor").send("survivor: still here")


async def slow(ws_port, text_port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", ws_port))
    ws = await websockets.connect("ws://127.0.0.1:%d/chat" % ws_port, sock=sock,
                                  open_timeout=TIMEOUT, ping_interval=None,
                                  max_queue=1, read_limit=4096)
    await ws.send(json.dumps({"type": "login", "name": "sloth", "protocol": 2}))
    await recv_json(ws, type="welcome")
    flooder = TextPeer(text_port, "flooder")
    padding = "z" * 1000
    dropped = False
    deadline = time.monotonic() + 6 * TIMEOUT
    while not dropped and time.monotonic() < deadline:
        flooder.sock.sendall("".join("sloth: %d %s\n" % (i, padding) for i in range(100)).encode())
        families = metrics(ws_port)
        dropped = families["confab_slow_consumers_dropped"] >= 1
    check(dropped, "a WebSocket peer that stops reading is dropped as a slow consumer")
    # Reading again, it finds the error and the close frame at the end.
    error = None
    try:
        while True:
            obj = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            if obj.get("type") == "error":
                error = obj
    except websockets.ConnectionClosed:
        pass
    check(error is not None and error["code"] == "slow-consumer", "it is told: slow consumer")
    check(ws.close_code == 1008, "and closed with 1008")


def get(port, path, method="GET", headers=None):
    req = urllib.request.Request(url(port, path), method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def http(ws_port, text_port):
    status, headers, body = get(ws_port, "/")
    check(status == 200 and b"test page" in body, "GET / serves index.html")
    check(headers["Content-Type"] == "text/html; charset=utf-8", "as HTML")
    status, headers, body = get(ws_port, "/css/site.css")
    check(status == 200 and headers["Content-Type"].startswith("text/css"),
          "a file in a subdirectory, as CSS")
    status, headers, body = get(ws_port, "/big.js")
    check(status == 200 and body == b"j" * 512 * 1024 and
          headers["Content-Type"] == "text/javascript; charset=utf-8",
          "a file of 512 KiB, whole, as JavaScript")
    # Read slowly: the rest waits in the server, not copied.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
    sock.connect(("127.0.0.1", ws_port))
    sock.sendall(b"GET /big.js HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.5)
    got = b""
    while True:
        data = sock.recv(65536)
        if not data:
            break
        got += data
    sock.close()
    check(got.endswith(b"\r\n\r\n" + b"j" * 512 * 1024), "the same to a slow reader")
    status, headers, body = get(ws_port, "/", method="HEAD")
    check(status == 200 and body == b"" and int(headers["Content-Length"]) > 0,
          "HEAD: the headers alone")
    for path in ("/missing.html", "/../confab.conf", "/css/../../confab.conf", "/.hidden"):
        status, _, _ = get(ws_port, path)
        check(status == 404, "GET %s is 404" % path)
    status, headers, _ = get(ws_port, "/", method="POST")
    check(status == 405 and "GET" in headers["Allow"], "POST is 405 with Allow")
    status, headers, _ = get(ws_port, "/chat")
    check(status == 426 and headers["Upgrade"] == "websocket", "GET /chat without upgrade is 426")
    # Half a request: the login timeout closes it, with a 408.
    sock = socket.create_connection(("127.0.0.1", ws_port), timeout=TIMEOUT)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    answer = sock.recv(65536)
    check(answer.startswith(b"HTTP/1.1 408 "), "half a request times out with 408")
    sock.close()
    # A request too large is refused, not kept.
    sock = socket.create_connection(("127.0.0.1", ws_port), timeout=TIMEOUT)
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = sock.recv(65536)
    check(answer.startswith(b"HTTP/1.1 431 "), "a request past 16 KiB is 431")
    sock.close()


def metrics(ws_port):
    status, headers, body = get(ws_port, "/metrics")
    if status != 200 or not headers["Content-Type"].startswith("text/plain; version=0.0.4"):
        fail("/metrics answered %d %s" % (status, headers["Content-Type"]))
    values = {}
    for family in text_string_to_metric_families(body.decode()):
        if not family.documentation:
            fail("%s has no HELP" % family.name)
        for sample in family.samples:
            if family.type == "counter" and not sample.name.endswith("_total"):
                fail("counter sample %s has no _total" % sample.name)
            values[family.name] = sample.value
            values[family.name + ":type"] = family.type
    return values


async def metrics_scenario(ws_port, text_port):
    ws = await login(ws_port, "counter")
    text = TextPeer(text_port, "text")
    text.send("text: ready")
    text.expect("from text: ready")
    for i in range(3):
        await ws.send(json.dumps({"type": "message", "to": ["text"], "text": "m%d" % i}))
        text.expect("from counter: m%d" % i)
    m = metrics(ws_port)
    check(m["confab_logins"] == 2 and m["confab_logins:type"] == "counter",
          "confab_logins_total is a counter, 2")
    check(m["confab_messages_routed"] == 4, "confab_messages_routed_total is 4")
    check(m["confab_peers"] == 2 and m["confab_peers:type"] == "gauge", "confab_peers is a gauge, 2")
    check(m["confab_websocket_upgrades"] == 1, "confab_websocket_upgrades_total is 1")
    # The upgrade and this page; a request is counted before it is answered.
    check(m["confab_http_requests"] == 2, "confab_http_requests_total is 2")
    check(m["confab_line_max_bytes"] == 4096, "the limits are there too")
    check(m["confab_slow_consumers_dropped"] == 0, "confab_slow_consumers_dropped_total is 0")
    await ws.close()


async def shutdown(ws_port, text_port):
    ws = await login(ws_port, "stayer")
    peer = TextPeer(text_port, "peer")
    peer.send("stayer: before the end")
    await recv_json(ws, type="message", text="before the end")
    os.kill(int(os.environ["CONFAB_TEST_DAEMON_PID"]), signal.SIGTERM)
    error = None
    try:
        while True:
            obj = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            if obj.get("type") == "error":
                error = obj
    except websockets.ConnectionClosed:
        pass
    check(error is not None and error["code"] == "shutting-down", "told: shutting down")
    check(ws.close_code == 1001, "closed with 1001")


async def wss(ws_port, text_port):
    context = ssl.create_default_context(cafile=os.environ["CONFAB_TEST_CA"])
    base = "localhost:%d" % ws_port
    ws = await websockets.connect("wss://%s/chat" % base, ssl=context, origin="https://" + base,
                                  open_timeout=TIMEOUT, ping_interval=None)
    await ws.send(json.dumps({"type": "login", "name": "secure", "protocol": 2}))
    await recv_json(ws, type="welcome", name="secure")
    print("ok logged in over wss:")
    bob = TextPeer(text_port, "bob")
    bob.send("secure: over TLS")
    got = await recv_json(ws, type="message", **{"from": "bob"})
    check(got["text"] == "over TLS", "a text peer's message arrives over TLS")
    await ws.send(json.dumps({"type": "message", "to": ["bob"], "text": "back over TLS"}))
    bob.expect("from secure: back over TLS")
    print("ok and back")
    await ws.close()
    try:
        await websockets.connect("wss://%s/chat" % base, ssl=context, origin="http://" + base,
                                 open_timeout=TIMEOUT)
        fail("an http:// origin was let in on wss:")
    except websockets.InvalidStatusCode as e:
        check(e.status_code == 403, "an http:// origin is refused on wss: (403)")
    with urllib.request.urlopen("https://%s/" % base, context=context, timeout=TIMEOUT) as resp:
        check(resp.status == 200 and b"test page" in resp.read(), "GET / over HTTPS")
    with urllib.request.urlopen("https://%s/metrics" % base, context=context, timeout=TIMEOUT) as resp:
        names = [f.name for f in text_string_to_metric_families(resp.read().decode())]
        check("confab_tls_handshakes_failed" in names, "/metrics over HTTPS")


SCENARIOS = {
    "chat": chat,
    "origin": origin,
    "hostile": hostile,
    "slow": slow,
    "http": http,
    "metrics": metrics_scenario,
    "shutdown": shutdown,
    "wss": wss,
}


def main():
    scenario, ws_port, text_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    result = SCENARIOS[scenario](ws_port, text_port)
    if asyncio.iscoroutine(result):
        asyncio.run(asyncio.wait_for(result, 12 * TIMEOUT))
    print("ok", scenario, "done")


if __name__ == "__main__":
    main()
