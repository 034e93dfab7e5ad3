#!/usr/bin/python3
# irc-library-client.py: an IRC client built on the python3-irc library
# (Debian's python3-irc) against a running confabd, beside a text peer.
#
# Usage: irc-library-client.py IRC_PORT TEXT_PORT
# Exits 0 when every check held, 1 (saying which) when one did not,
# 77 (skip) when the library is not installed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import socket
import sys
import time

try:
    import irc.client
except ImportError:
    print("python3-irc is not installed", file=sys.stderr)
    sys.exit(77)

DEADLINE_S = 20


def fail(what):
    print("FAIL: " + what, file=sys.stderr)
    sys.exit(1)


class TextPeer:
    """A text-protocol peer on a plain socket."""

    def __init__(self, port, name):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S)
        self.buf = b""
        self.send(name)

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def expect(self, wanted):
        """Reads lines until one equals @wanted; fails past the deadline."""
        end = time.monotonic() + DEADLINE_S
        seen = []
        while time.monotonic() < end:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                text = line.decode()
                if text == wanted:
                    return
                seen.append(text)
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        fail("text peer wanted %r, got %r" % (wanted, seen))


class IrcUser:
    """One python3-irc connection, recording every event it gets."""

    def __init__(self, port, nick):
        self.client = irc.client.IRC()
        self.events = []
        self.client.add_global_handler("all_events", self.record, -10)
        self.conn = self.client.server().connect("127.0.0.1", port, nick, username=nick,
                                                 ircname="library test")

    def record(self, connection, event):
        self.events.append(event)

    def wait_for(self, kind, test=lambda e: True):
        """Processes input until an event of @kind passing @test arrives."""
        end = time.monotonic() + DEADLINE_S
        while time.monotonic() < end:
            for i, event in enumerate(self.events):
                if event.type == kind and test(event):
                    del self.events[: i + 1]
                    return event
            self.client.process_once(0.05)
        fail("IRC user wanted a %s event, had %r"
             % (kind, [(e.type, e.arguments) for e in self.events]))


def main():
    irc_port, text_port = int(sys.argv[1]), int(sys.argv[2])

    user = IrcUser(irc_port, "ircuser")
    welcome = user.wait_for("welcome")
    if "ircuser" not in welcome.arguments[0]:
        fail("001 does not greet ircuser: %r" % welcome.arguments)
    user.wait_for("featurelist")
    user.wait_for("nomotd")
    features = user.conn.features
    if list(features.chantypes) != ["#"] or features.nicklen != 32 or features.casemapping != "rfc7613":
        fail("ISUPPORT: chantypes %r nicklen %r casemapping %r"
             % (features.chantypes, features.nicklen, features.casemapping))
    print("ok registration: 001, 005 (CHANTYPES=# NICKLEN=32 CASEMAPPING=rfc7613), 422")

    text = TextPeer(text_port, "textpeer")
    # A direct message both ways.
    text.send("ircuser: hello irc")
    msg = user.wait_for("privmsg")
    if msg.source.nick != "textpeer" or msg.arguments != ["hello irc"]:
        fail("privmsg from textpeer: %r %r" % (msg.source, msg.arguments))
    user.conn.privmsg("textpeer", "hello text")
    text.expect("from ircuser: hello text")
    print("ok direct messages both ways")

    # A channel shared with the text peer; the creator is its operator.
    user.conn.join("#lobby")
    user.wait_for("join", lambda e: e.target == "#lobby" and e.source.nick == "ircuser")
    names = user.wait_for("namreply")
    if names.arguments[-1] != "@ircuser":
        fail("NAMES of a new room: %r" % names.arguments)
    user.wait_for("endofnames")
    text.send("/join #lobby")
    user.wait_for("join", lambda e: e.source.nick == "textpeer")
    text.send("#lobby: hi room")
    pub = user.wait_for("pubmsg")
    if pub.target != "#lobby" or pub.source.nick != "textpeer" or pub.arguments != ["hi room"]:
        fail("pubmsg: %r %r %r" % (pub.target, pub.source, pub.arguments))
    user.conn.privmsg("#lobby", "hi from irc")
    text.expect("from ircuser in #lobby: hi from irc")
    print("ok a room: join, NAMES with @operator, messages both ways")

    # Numerics for the error paths.
    user.conn.privmsg("nobody", "anyone?")
    user.wait_for("nosuchnick", lambda e: e.arguments[0] == "nobody")
    user.conn.send_raw("FROBNICATE")
    user.wait_for("unknowncommand")
    user.conn.send_raw("JOIN")
    user.wait_for("needmoreparams")
    print("ok numerics: 401, 421, 461")

    user.conn.kick("#lobby", "textpeer", "out")
    user.wait_for("kick", lambda e: e.arguments[0] == "textpeer")
    text.expect("part #lobby: textpeer")
    print("ok KICK by the operator: the text peer sees its part")

    user.conn.quit("done")
    user.wait_for("error")
    print("ok QUIT answered with ERROR")
    return 0


if __name__ == "__main__":
    sys.exit(main())
