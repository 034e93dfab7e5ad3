#!/usr/bin/python3
# chathistory-client.py: IRCv3 draft/chathistory (SPEC §12) from a client
# built on the python3-irc library, against a running confabd with
# history, beside a text peer who fills the room.
#
# Debian's python3-irc (8.5) predates IRCv3 message tags: its parser
# takes a tagged line's tags for the command. The library connects,
# registers, negotiates and sends; the tagged lines are read from its
# "all_raw_messages" events and their tags split here.
#
# Usage: chathistory-client.py IRC_PORT TEXT_PORT
# Exits 0 when every check held, 1 (saying which) when one did not,
# 77 (skip) when the library is not installed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import re
import socket
import sys
import time

try:
    import irc.client
except ImportError:
    print("python3-irc is not installed", file=sys.stderr)
    sys.exit(77)

DEADLINE_S = 20
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def fail(what):
    print("FAIL: " + what, file=sys.stderr)
    sys.exit(1)


def ok(what):
    print("ok " + what, flush=True)


class TextPeer:
    def __init__(self, port, name):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S)
        self.buf = b""
        self.send(name)

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def expect(self, wanted):
        end = time.monotonic() + DEADLINE_S
        seen = []
        while time.monotonic() < end:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                text = line.decode()
                if text == wanted or (wanted.endswith("*") and text.startswith(wanted[:-1])):
                    return text
                seen.append(text)
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        fail("text peer wanted %r, got %r" % (wanted, seen))


def split_tags(line):
    """'@a=1;b=2 :rest' -> ({'a': '1', 'b': '2'}, ':rest')"""
    if not line.startswith("@"):
        return {}, line
    tags, rest = line[1:].split(" ", 1)
    out = {}
    for tag in tags.split(";"):
        key, _, value = tag.partition("=")
        out[key] = value
    return out, rest


class IrcUser:
    def __init__(self, port, nick):
        self.reactor = irc.client.IRC()
        self.raw = []
        self.events = []
        self.reactor.add_global_handler("all_raw_messages", self.on_raw, -20)
        self.reactor.add_global_handler("all_events", self.on_event, -10)
        self.conn = self.reactor.server().connect("127.0.0.1", port, nick, username=nick,
                                                  ircname="chathistory test")

    def on_raw(self, connection, event):
        self.raw.append(event.arguments[0])

    def on_event(self, connection, event):
        self.events.append(event)

    def wait_event(self, kind):
        end = time.monotonic() + DEADLINE_S
        while time.monotonic() < end:
            for i, event in enumerate(self.events):
                if event.type == kind:
                    del self.events[: i + 1]
                    return event
            self.reactor.process_once(0.05)
        fail("no %s event; got %r" % (kind, [e.type for e in self.events]))

    def wait_raw(self, test, what):
        """The first raw line passing @test; the lines before it are dropped."""
        end = time.monotonic() + DEADLINE_S
        while time.monotonic() < end:
            for i, line in enumerate(self.raw):
                if test(line):
                    del self.raw[: i + 1]
                    return line
            self.reactor.process_once(0.05)
        fail("no line with %s; got %r" % (what, self.raw))

    def history(self, command):
        """Sends a CHATHISTORY command; returns its batch's messages as
        (tags, rest) pairs."""
        self.raw.clear()
        self.conn.send_raw(command)
        start = self.wait_raw(lambda l: " BATCH +" in l or " FAIL " in l, "a batch for " + command)
        if " FAIL " in start:
            return start
        ref = start.split(" BATCH +", 1)[1].split(" ", 1)[0]
        if not start.endswith(" chathistory #tea"):
            fail("not a chathistory batch: %r" % start)
        lines = []
        while True:
            line = self.wait_raw(lambda l: True, "the end of batch " + ref)
            if line.endswith(" BATCH -" + ref):
                return lines
            tags, rest = split_tags(line)
            if tags.get("batch") != ref:
                fail("a line outside the batch: %r" % line)
            if not TIME_RE.match(tags.get("time", "")):
                fail("no server-time tag: %r" % line)
            if not tags.get("msgid"):
                fail("no msgid tag: %r" % line)
            lines.append((tags, rest))


def main():
    irc_port, text_port = int(sys.argv[1]), int(sys.argv[2])

    bob = TextPeer(text_port, "bob")
    bob.send("/join #tea")
    bob.expect("members #tea: bob")
    for i in range(1, 4):
        bob.send("#tea: pot %d" % i)
    # A query comes after the writes before it: the three are stored.
    bob.send("/history #tea 1")
    bob.expect("history #tea *")
    bob.expect("history #tea: end")

    user = IrcUser(irc_port, "libby")
    user.wait_event("welcome")
    isupport = user.wait_raw(lambda l: " 005 " in l and "CHATHISTORY=" in l, "CHATHISTORY in 005")
    if "MSGREFTYPES=msgid,timestamp" not in isupport:
        fail("005 without MSGREFTYPES: %r" % isupport)
    user.conn.cap("REQ", "batch", "draft/chathistory", "server-time", "message-tags")
    ack = user.wait_raw(lambda l: " CAP " in l, "the CAP answer")
    if " ACK " not in ack:
        fail("capabilities refused: %r" % ack)
    ok("registered with python3-irc; batch, draft/chathistory, server-time, message-tags acknowledged")
    user.conn.join("#tea")
    user.wait_event("endofnames")

    latest = user.history("CHATHISTORY LATEST #tea * 2")
    texts = [rest for _, rest in latest]
    if texts != [":bob!bob@confab PRIVMSG #tea :pot 2", ":bob!bob@confab PRIVMSG #tea :pot 3"]:
        fail("LATEST 2 gave %r" % texts)
    ok("LATEST: the last two, oldest first, with time and msgid")

    before = user.history("CHATHISTORY BEFORE #tea msgid=%s 5" % latest[1][0]["msgid"])
    texts = [rest.rsplit(" :", 1)[1] for _, rest in before]
    if texts != ["pot 1", "pot 2"]:
        fail("BEFORE the third gave %r" % texts)
    ok("BEFORE a msgid")

    after = user.history("CHATHISTORY AFTER #tea msgid=%s 5" % before[0][0]["msgid"])
    texts = [rest.rsplit(" :", 1)[1] for _, rest in after]
    if texts != ["pot 2", "pot 3"]:
        fail("AFTER the first's msgid gave %r" % texts)
    ok("AFTER a msgid")

    # Times are kept to the microsecond and tagged to the millisecond:
    # AFTER a tag's time may include that message itself, never one before.
    after = user.history("CHATHISTORY AFTER #tea timestamp=2000-01-01T00:00:00.000Z 2")
    texts = [rest.rsplit(" :", 1)[1] for _, rest in after]
    if texts != ["pot 1", "pot 2"]:
        fail("AFTER a timestamp of 2000 gave %r" % texts)
    ok("AFTER a timestamp")

    refused = user.history("CHATHISTORY LATEST #coffee * 2")
    if "FAIL CHATHISTORY INVALID_TARGET #coffee" not in refused:
        fail("a channel one is not in: %r" % refused)
    ok("FAIL INVALID_TARGET for a channel one is not in")

    # A live message carries its server-time too.
    user.raw.clear()
    bob.send("#tea: fresh pot")
    live = user.wait_raw(lambda l: l.endswith("PRIVMSG #tea :fresh pot"), "the live message")
    tags, _ = split_tags(live)
    if not TIME_RE.match(tags.get("time", "")):
        fail("a live message without server-time: %r" % live)
    ok("a live message with server-time")

    user.conn.quit("bye")
    user.wait_raw(lambda l: l.startswith("ERROR"), "ERROR after QUIT")
    ok("done")


if __name__ == "__main__":
    main()
