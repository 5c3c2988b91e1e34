#!/usr/bin/env python3
"""Malformed Socket.IO frames against a running server (docs/reliability.md): N long-polling clients
each handshake and post `40` and a join_session frame nested 50,000 deep. Watch logs/app.log grow.
usage: scripts/bench/log-flood.py PORT [N=200]"""
import re
import sys
import urllib.request

port = int(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
base = "http://127.0.0.1:%d/socket.io/?EIO=4&transport=polling" % port
deep = ('42["join_session",' + '[' * 50000 + ']' * 50000 + ']').encode()
sent = 0
for _ in range(n):
    sid = re.search(r'"sid":\s*"([^"]+)"', urllib.request.urlopen(base).read().decode()).group(1)
    req = urllib.request.Request(base + "&sid=" + sid, data=b"40\x1e" + deep,
                                 headers={"Content-Type": "text/plain;charset=UTF-8"})
    urllib.request.urlopen(req).read()
    sent += 1
print("log-flood: posted", sent, "malformed frames")
