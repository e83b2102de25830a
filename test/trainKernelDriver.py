"""Driver of test/train.kernel.test.ts: runs cells in the project's tslab kernel through the Jupyter protocol,
interrupts the kernel (as JupyterLab's stop button does) when a cell prints "STEP <n>", and prints one JSON
line describing what came back: per cell its reply status, streams, display messages, and whether the kernel
was alive afterwards.
Usage: python3 trainKernelDriver.py <cells.json>   (cells: [{"code": str, "interrupt_at_step"?: int}])"""
import json, queue, sys, time
from jupyter_client.manager import start_new_kernel

cells = json.load(open(sys.argv[1]))
km, kc = start_new_kernel(kernel_name="bert-imdb-ts", startup_timeout=180)
report = []
try:
    for cell in cells:
        msg_id = kc.execute(cell["code"])
        t0 = time.time()
        entry = {"stdout": "", "stderr": "", "displays": [], "interrupted": False}
        while True:
            try:
                m = kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                if time.time() - t0 > cell.get("timeout", 240):
                    entry["timeout"] = True
                    break
                continue
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            t, c = m["msg_type"], m["content"]
            if t == "status" and c["execution_state"] == "idle":
                break
            if t == "stream":
                entry[c["name"]] += c["text"]
                at = cell.get("interrupt_at_step")
                if at is not None and not entry["interrupted"] and f"STEP {at}\n" in entry["stdout"]:
                    km.interrupt_kernel()
                    entry["interrupted"] = True
            elif t in ("display_data", "update_display_data"):
                d = c.get("data", {})
                entry["displays"].append({"type": t, "id": c.get("transient", {}).get("display_id"), "mimes": sorted(d.keys()), "html_len": len(d.get("text/html", ""))})
        if not entry.get("timeout"):
            while True:
                reply = kc.get_shell_msg(timeout=60)
                if reply["parent_header"].get("msg_id") == msg_id:
                    entry["status"] = reply["content"]["status"]
                    break
        entry["alive"] = km.is_alive()
        report.append(entry)
        if not entry["alive"] or entry.get("timeout"):
            break
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print("REPORT " + json.dumps(report))
