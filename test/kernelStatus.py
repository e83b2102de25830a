"""Drives the project's tslab kernel at the Jupyter protocol level and records its iopub status messages while
a slow cell runs and other requests arrive (what JupyterLab does during Run All). Prints one JSON report."""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel

km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=120)
try:
    kc.wait_for_ready(timeout=120)
    # A cell that holds the event loop for 3 s, as compiling the first cell that imports src/ does: its "busy"
    # must arrive when it starts, not together with its "idle".
    t0 = time.time()
    blocking_id = kc.execute("{ const t = Date.now(); while (Date.now() - t < 3000) {} }")
    blocking = []  # (seconds since the request, state)
    while time.time() < t0 + 60:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Exception:
            continue
        if msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == blocking_id:
            blocking.append([round(time.time() - t0, 2), msg["content"]["execution_state"]])
            if blocking[-1][1] == "idle":
                break
    statuses = []  # (seconds since start, state, parent msg_type)
    t0 = time.time()
    slow = kc.execute("await new Promise((r) => setTimeout(r, 4000)); console.log('slow done');")
    time.sleep(1.0)
    kc.kernel_info()
    second = kc.execute("console.log('second done');")
    time.sleep(1.0)
    kc.complete("cons", 4)
    done = set()
    deadline = time.time() + 60
    while time.time() < deadline and len(done) < 2:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Exception:
            continue
        if msg["msg_type"] == "status":
            statuses.append([round(time.time() - t0, 2), msg["content"]["execution_state"], msg["parent_header"].get("msg_type")])
            if msg["content"]["execution_state"] == "idle" and msg["parent_header"].get("msg_id") in (slow, second):
                done.add(msg["parent_header"]["msg_id"])
    # drain what follows the last idle
    end = time.time() + 1.0
    while time.time() < end:
        try:
            msg = kc.get_iopub_msg(timeout=0.2)
        except Exception:
            continue
        if msg["msg_type"] == "status":
            statuses.append([round(time.time() - t0, 2), msg["content"]["execution_state"], msg["parent_header"].get("msg_type")])
    print(json.dumps({"blocking": blocking, "statuses": statuses, "finished": len(done)}))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
