#!/usr/bin/env python3
"""Test client for the shim's control socket (docs/shim-protocol.md).

client.py SOCK REQUEST [--send TEXT] [--close-stdin] [--resize ROWS COLS] [--delay S] [--timeout S]
Prints the reply line as 'REPLY <line>', then for ATTACH/EXEC the collected 'STDOUT <repr>',
'STDERR <repr>' and 'EXIT <code>' (or 'EXIT none' if the connection ended without one).
"""
import argparse, os, socket, struct, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("sock"); ap.add_argument("request")
ap.add_argument("--send", action="append", default=[])
ap.add_argument("--close-stdin", action="store_true")
ap.add_argument("--resize", nargs=2)
ap.add_argument("--delay", type=float, default=0)
ap.add_argument("--timeout", type=float, default=20)
ap.add_argument("--hangup", action="store_true", help="disconnect right after sending")
ap.add_argument("--hangup-before-reply", metavar="FILE",
                help="disconnect without reading the reply, once FILE exists")
ap.add_argument("--ready", help="file created once the request is sent (ATTACH/EXEC: once answered), "
                "so a test acts only after this client is in place")
a = ap.parse_args()

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(a.timeout)
s.connect(a.sock)
s.sendall((a.request + "\n").encode())

if a.hangup_before_reply:
    deadline = time.time() + a.timeout
    while not os.path.exists(a.hangup_before_reply) and time.time() < deadline:
        time.sleep(0.05)
    s.close(); sys.exit(0)

def ready():
    if a.ready:
        open(a.ready, "w").close()

if a.request.split()[0] not in ("ATTACH", "EXEC"):
    ready()
buf = b""
while b"\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
if b"\n" not in buf:
    print("REPLY none"); sys.exit(0)
line, buf = buf.split(b"\n", 1)
print("REPLY " + line.decode(errors="replace"))
ready()
verb = a.request.split()[0]
if verb not in ("ATTACH", "EXEC") or not (line.startswith(b"OK")):
    sys.exit(0)

def frame(stream, data):
    s.sendall(struct.pack(">BxxxI", stream, len(data)) + data)

if a.delay:
    time.sleep(a.delay)
if a.resize:
    frame(4, ("%s %s" % tuple(a.resize)).encode())
for t in a.send:
    frame(0, t.encode().decode("unicode_escape").encode())
if a.close_stdin:
    frame(0, b"")
if a.hangup:
    s.close(); sys.exit(0)
out = {1: b"", 2: b""}
code = None
try:
    while code is None:
        while len(buf) >= 8:
            st, n = struct.unpack(">BxxxI", buf[:8])
            if len(buf) < 8 + n:
                break
            p, buf = buf[8:8 + n], buf[8 + n:]
            if st == 3:
                code = p.decode()
            else:
                out[st] = out.get(st, b"") + p
        if code is not None:
            break
        d = s.recv(65536)
        if not d:
            break
        buf += d
except socket.timeout:
    print("TIMEOUT")
print("STDOUT " + repr(out[1].decode(errors="replace")))
print("STDERR " + repr(out[2].decode(errors="replace")))
print("EXIT " + (code if code is not None else "none"))
