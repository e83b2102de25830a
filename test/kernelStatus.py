"""Drives the project's tslab kernel at the Jupyter protocol level and records its iopub status messages while
a slow cell runs and other requests arrive (what JupyterLab does during Run All). Prints one JSON report."""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel

km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=120)
try:
    kc.wait_for_ready(timeout=120)
    # Run All sends its cells at once. A cell that holds the event loop for 3 s (as compiling a cell does: the
    # first one that imports src/ for seconds) after a quick one: the kernel must say busy while it runs, both
    # when it is the first cell and when another cell's idle has just gone out.
    blocking_code = "{ const t = Date.now(); while (Date.now() - t < 3000) {} }"
    blocking = []  # (seconds since the requests, state, "quick" | "blocking" | "first")
    t0 = time.time()
    roles = {kc.execute(blocking_code): "first"}
    roles[kc.execute("const quick = 1;")] = "quick"
    roles[kc.execute(blocking_code)] = "blocking"
    idle = set()
    while time.time() < t0 + 60 and len(idle) < 3:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Exception:
            continue
        if msg["msg_type"] == "status":
            role = roles.get(msg["parent_header"].get("msg_id"), "other")
            blocking.append([round(time.time() - t0, 2), msg["content"]["execution_state"], role])
            if blocking[-1][1] == "idle" and role != "other":
                idle.add(role)
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
