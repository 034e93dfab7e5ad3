#!/usr/bin/python3
# web-browser.py: the web client in a real headless Chromium, driven over
# the DevTools protocol (on a pipe: --remote-debugging-pipe, so only the
# standard library is needed), for tests/test-web-browser.c.
#
# Two browser users (alice on a 375-px phone screen, carol at 1280 px,
# each in a browser context of its own) and one text peer (bob, a plain
# socket) chat in #tea and directly; the page must show history on
# opening a room, join and part notices, an error, and log in again by
# itself after the server restarts. Every console error or uncaught
# exception fails the run. Screenshots at 375 and 1280 px go to OUTDIR.
#
# usage: web-browser.py URL TEXT_PORT OUTDIR
# stdout: "restart" when the server is to be restarted (the caller does
# it, then writes a line on stdin), "ok" at the end; stderr: the story.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import base64
import fcntl
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT = float(os.environ.get("CONFAB_WEB_TIMEOUT", "30"))


def log(*args):
    print("#", *args, file=sys.stderr, flush=True)


class Browser:
    """Chromium with the DevTools protocol on fds 3 (in) and 4 (out)."""

    def __init__(self, profile):
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        exe = shutil.which("chromium") or "/usr/bin/chromium"
        args = [exe, "--headless=new", "--remote-debugging-pipe", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-default-apps",
                "--mute-audio", "--password-store=basic", "--use-mock-keychain",
                "--user-data-dir=" + profile, "about:blank"]

        # Moved out of the way first: either may be 3 or 4 already.
        high_r = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)

        def child_fds():
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        # Not the test's debugging environment: GLib's fatal warnings and
        # glibc's malloc checks are for confab, not for Chromium.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("G_DEBUG", "G_SLICE", "MALLOC_", "ASAN_", "LSAN_", "UBSAN_", "LD_"))}
        env["HOME"] = profile
        self.proc = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=child_fds, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for fd in (to_r, from_w, high_r, high_w):
            os.close(fd)
        self.w = to_w
        self.r = from_r
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.errors = []

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self.r], [], [], left)
            if ready:
                chunk = os.read(self.r, 65536)
                if not chunk:
                    raise EOFError("Chromium went away")
                self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def _note(self, m):
        method = m.get("method", "")
        params = m.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = params["exceptionDetails"]
            self.errors.append("exception: %s %s" % (d.get("text"), d.get("exception", {}).get("description", "")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append("console.%s: %s" % (params["type"], [a.get("value", a.get("description")) for a in params.get("args", [])]))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.errors.append("log: %s %s" % (params["entry"].get("text"), params["entry"].get("url", "")))
        self.events.append(m)

    def call(self, method, params=None, session=None, timeout=TIMEOUT):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self._note(m)

    def pump(self, seconds):
        """Reads events for a while (console errors arrive as events)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self._note(self._read_message(deadline))
            except TimeoutError:
                return


class Page:
    def __init__(self, browser, width, height, mobile):
        self.b = browser
        ctx = browser.call("Target.createBrowserContext")["browserContextId"]
        target = browser.call("Target.createTarget", {"url": "about:blank", "browserContextId": ctx})["targetId"]
        self.s = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Page", "Log"):
            browser.call(domain + ".enable", session=self.s)
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
                     session=self.s)

    def goto(self, url):
        self.b.call("Page.navigate", {"url": url}, session=self.s)
        self.wait("document.readyState === 'complete' && !!document.getElementById('login-form')")

    def js(self, expression):
        r = self.b.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": True}, session=self.s)
        if "exceptionDetails" in r:
            raise RuntimeError("page script failed: %s: %s" % (expression, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait(self, condition, what=None):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.js("!!(%s)" % condition):
                return
            self.b.pump(0.05)
        raise TimeoutError("waited in vain for: %s (log: %r)" % (what or condition, self.log_text()))

    def log_text(self):
        return self.js("Array.from(document.querySelectorAll('#log li')).map(li => li.textContent)")

    def wait_log(self, text):
        self.wait("Array.from(document.querySelectorAll('#log li')).some(li => li.textContent.includes(%s))"
                  % json.dumps(text), "a log line with %r" % text)

    def type(self, text):
        self.b.call("Input.insertText", {"text": text}, session=self.s)

    def key(self, key, code=None, keycode=0, text=None):
        base = {"key": key, "code": code or key, "windowsVirtualKeyCode": keycode}
        down = dict(base, type="keyDown")
        if text is not None:
            down["text"] = text  # what makes Enter submit, as a real key does
        self.b.call("Input.dispatchKeyEvent", down, session=self.s)
        self.b.call("Input.dispatchKeyEvent", dict(base, type="keyUp"), session=self.s)

    def tab(self):
        self.key("Tab", keycode=9)

    def enter(self):
        self.key("Enter", keycode=13, text="\r")

    def focused(self):
        return self.js("document.activeElement && (document.activeElement.id || document.activeElement.textContent)")

    def fill(self, element_id, value):
        self.js("(() => { const e = document.getElementById(%s); e.value = %s; })()"
                % (json.dumps(element_id), json.dumps(value)))

    def click(self, selector):
        self.js("document.querySelector(%s).click()" % json.dumps(selector))

    def submit(self, form_id):
        self.js("document.getElementById(%s).requestSubmit()" % json.dumps(form_id))

    def screenshot(self, path):
        data = self.b.call("Page.captureScreenshot", {"format": "png"}, session=self.s)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        log("screenshot", path)


class TextPeer:
    def __init__(self, port, name):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""
        self.send(name)
        self.send("/peers")
        self.expect("peers: ")

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def expect(self, prefix):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                text = line.decode()
                if text.startswith(prefix):
                    return text
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("the text peer was disconnected")
            self.buf += chunk
        raise TimeoutError("the text peer waited in vain for %r" % prefix)


def main():
    url, text_port, outdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(outdir, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="confab-chromium-")
    browser = Browser(profile)
    try:
        run(browser, url, text_port, outdir)
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    if browser.errors:
        for e in browser.errors:
            log("browser error:", e)
        sys.exit(1)
    print("ok", flush=True)


def run(browser, url, text_port, outdir):
    alice = Page(browser, 375, 740, True)
    carol = Page(browser, 1280, 800, False)

    # alice logs in with the keyboard alone: the name field has the focus.
    alice.goto(url)
    assert alice.focused() == "login-name", alice.focused()
    alice.type("alice")
    alice.tab()
    assert alice.focused() == "login-password", alice.focused()
    alice.enter()
    alice.wait("!document.getElementById('chat-view').hidden", "alice's chat view")
    log("alice logged in")

    # On a phone the sidebar is behind a button.
    alice.wait("getComputedStyle(document.getElementById('sidebar')).display === 'none'", "a closed sidebar")
    alice.click("#sidebar-toggle")
    alice.wait("getComputedStyle(document.getElementById('sidebar')).display !== 'none'", "an open sidebar")
    alice.fill("join-room", "#tea")
    alice.submit("join-form")
    alice.wait("document.getElementById('view-title').textContent === '#tea'", "alice in #tea")

    bob = TextPeer(text_port, "bob")
    bob.send("/join #tea")
    bob.expect("members #tea:")
    alice.wait_log("bob joined")
    bob.send("#tea: hello from bob's terminal")
    alice.wait_log("hello from bob's terminal")
    log("alice sees bob's room message")

    # alice answers from the keyboard: the message box, Enter.
    alice.js("document.getElementById('composer-text').focus()")
    alice.type("hi bob, from a phone")
    alice.enter()
    got = bob.expect("from alice in #tea:")
    assert got == "from alice in #tea: hi bob, from a phone", got

    # carol joins: the room's history is on the page before live lines.
    carol.goto(url)
    carol.fill("login-name", "carol")
    carol.submit("login-form")
    carol.wait("!document.getElementById('chat-view').hidden", "carol's chat view")
    carol.fill("join-room", "tea")
    carol.submit("join-form")
    carol.wait("document.getElementById('view-title').textContent === '#tea'", "carol in #tea")
    carol.wait_log("earlier messages above")
    carol.wait_log("hello from bob's terminal")
    carol.wait_log("hi bob, from a phone")
    carol.wait("document.getElementById('members').textContent.includes('bob')", "members with bob")
    alice.wait_log("carol joined")
    bob.expect("join #tea: carol")

    carol.js("document.getElementById('composer-text').value = 'tea for three?'")
    carol.submit("composer")
    alice.wait_log("tea for three?")
    got = bob.expect("from carol in #tea:")
    assert got == "from carol in #tea: tea for three?", got

    # A direct message from the terminal opens a conversation on the page.
    bob.send("carol: a word in private")
    carol.wait("Array.from(document.querySelectorAll('#people-list button')).some(b => b.textContent === 'bob' && b.classList.contains('unread'))",
               "bob marked unread")
    carol.js("Array.from(document.querySelectorAll('#people-list button')).find(b => b.textContent === 'bob').click()")
    carol.wait_log("a word in private")
    carol.js("document.getElementById('composer-text').value = 'private reply'")
    carol.submit("composer")
    got = bob.expect("from carol:")
    assert got == "from carol: private reply", got

    # An error reaches the user: a message to nobody.
    carol.fill("dm-name", "nobody")
    carol.submit("dm-form")
    carol.js("document.getElementById('composer-text').value = 'hello?'")
    carol.submit("composer")
    carol.wait("!document.getElementById('chat-error').hidden && document.getElementById('chat-error').textContent.includes('nobody')",
               "the no-such-peer error")

    # A part notice.
    bob.send("/part #tea")
    alice.wait_log("bob left")

    alice.screenshot(os.path.join(outdir, "web-client-375.png"))
    carol.js("Array.from(document.querySelectorAll('#room-list button')).find(b => b.textContent === '#tea').click()")
    carol.wait("document.getElementById('view-title').textContent === '#tea'", "carol back in #tea")
    carol.screenshot(os.path.join(outdir, "web-client-1280.png"))

    # The server restarts: both pages log in again and rejoin #tea.
    bob.sock.close()
    print("restart", flush=True)
    if not sys.stdin.readline():
        raise EOFError("no word from the caller after the restart")
    for page in (alice, carol):
        page.wait("document.getElementById('connection').classList.contains('down') === false && document.getElementById('connection').textContent.startsWith('connected')",
                  "connected again")
        page.wait("document.getElementById('view-title').textContent === '#tea' && !document.getElementById('composer-text').disabled",
                  "back in #tea")
    bob = TextPeer(text_port, "bob")
    bob.send("/join #tea")
    members = bob.expect("members #tea:")
    assert members == "members #tea: alice bob carol", members
    bob.send("#tea: welcome back")
    alice.wait_log("welcome back")
    carol.wait_log("welcome back")
    log("both pages are back after the restart")
    browser.pump(0.5)


if __name__ == "__main__":
    main()
