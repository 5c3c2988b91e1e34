#!/usr/bin/python3
"""Checks the Socket.IO 'alert' event with Debian's python3-socketio client.

usage: /usr/bin/python3 alert_check.py <base-url> <session-id> <websocket|polling> [token]
The session must drop more than 10 % of its packets. Subscribes to every session's alerts
(join_alerts), adds a rule of that session (drop_rate > 10, for 0) over REST and expects 'alert'
firing with the documented shape; deletes the rule and expects 'alert' resolved.
"""
import json
import os
import sys
import threading
import urllib.request

import socketio

base, session_id, mode = sys.argv[1:4]
token = sys.argv[4] if len(sys.argv) > 4 else None
tag = f"[python alert {mode}]"
rule = f"client_python_{mode}_{os.getpid()}"
rules = f"{base}/api/sessions/{session_id}/alerts/rules"
done = threading.Event()
state = {"events": [], "fail": None}
sio = socketio.Client(reconnection=False)


def rest(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def fail(msg):
    state["fail"] = msg
    done.set()


@sio.event
def connect():
    sio.emit("join_alerts", {})


@sio.event
def connect_error(data):
    fail(f"connect_error: {data}")


@sio.on("joined_alerts")
def joined(_data):
    status = rest("POST", rules, {"name": rule, "expression": "drop_rate", "threshold": 10, "for": 0, "severity": "critical"})
    if status != 201:
        fail(f"POST rule: {status}")


@sio.on("alert")
def alert(data):
    a = data.get("alert", {})
    if a.get("rule") != rule:
        return
    state["events"].append(data)
    if data.get("session_id") != session_id or a.get("severity") != "critical" or a.get("threshold") != 10:
        fail(f"bad alert {data}")
    elif not isinstance(a.get("value"), (int, float)) or a["value"] <= 10 or not isinstance(a.get("since"), str) or "node" in a:
        fail(f"bad value/since/node {data}")
    elif a.get("state") == "firing":
        threading.Thread(target=lambda: rest("DELETE", f"{rules}/{rule}")).start()
    elif a.get("state") == "resolved":
        done.set()
    else:
        fail(f"state {a.get('state')}")


sio.connect(base, transports=[mode], auth={"token": token} if token else None, wait_timeout=10)
if not done.wait(30):
    fail("timed out")
sio.disconnect()
states = [e["alert"]["state"] for e in state["events"]]
if state["fail"] or states != ["firing", "resolved"]:
    print(f"{tag} FAIL: {state['fail'] or states}; events: {state['events']}", file=sys.stderr)
    sys.exit(1)
print(f"{tag} ok: firing (value {state['events'][0]['alert']['value']}) then resolved ({state['events'][1]['alert']['resolution']})")
