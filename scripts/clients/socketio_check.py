#!/usr/bin/python3
"""Checks the skbscope Socket.IO contract with Debian's python3-socketio client.

usage: /usr/bin/python3 socketio_check.py <base-url> <session-id> <websocket|polling> [token]
Exits 0 when: joined_session arrives, >= 2 session_stats_update with increasing
stats.total_events, and joining an unknown session yields an 'error' event naming it.
"""
import sys
import threading

import socketio

base, session_id, mode = sys.argv[1:4]
token = sys.argv[4] if len(sys.argv) > 4 else None
tag = f"[python {mode}]"
done = threading.Event()
state = {"joined": False, "updates": [], "error": None, "fail": None}
sio = socketio.Client(reconnection=False)


def fail(msg):
    state["fail"] = msg
    done.set()


@sio.event
def connect():
    sio.emit("join_session", {"session_id": session_id})


@sio.event
def connect_error(data):
    fail(f"connect_error: {data}")


@sio.on("joined_session")
def joined(data):
    if data.get("session_id") != session_id:
        fail(f"joined_session for {data}")
    state["joined"] = True


@sio.on("session_stats_update")
def update(data):
    if data.get("session_id") != session_id or "total_events" not in data.get("stats", {}):
        fail(f"bad update: {str(data)[:200]}")
        return
    state["updates"].append(data["stats"]["total_events"])
    if len(state["updates"]) == 3:
        sio.emit("join_session", {"session_id": "no_such_session"})


@sio.on("error")
def error(data):
    state["error"] = data.get("message") if isinstance(data, dict) else data
    done.set()


sio.connect(base, transports=[mode], auth={"token": token} if token else None, wait_timeout=10)
if not done.wait(20):
    fail(f"timed out; state: {state}")
transport = sio.transport()
sio.disconnect()
u = state["updates"]
problems = []
if state["fail"]:
    problems.append(state["fail"])
if not state["joined"]:
    problems.append("no joined_session")
if len(u) < 2:
    problems.append(f"only {len(u)} updates")
elif not u[-1] > u[0]:
    problems.append(f"total_events did not increase: {u}")
if state["error"] != "Session not found in trackers: no_such_session":
    problems.append(f"unexpected error event: {state['error']!r}")
if transport != mode:
    problems.append(f"transport is {transport}, expected {mode}")
if problems:
    print(f"{tag} FAIL: {'; '.join(problems)}", file=sys.stderr)
    sys.exit(1)
print(f"{tag} ok: transport={transport} updates={len(u)} total_events {u[0]} -> {u[-1]}")
