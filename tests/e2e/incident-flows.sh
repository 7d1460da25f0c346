#!/usr/bin/env bash
# whitehawk flows on the example incident (Sysmon network events of four
# hosts and the perimeter's conn.log) must tell its network story as the
# incident's README does: the implant's 60 s beacon (high, owned by the
# process in Temp), its sweep of the server network, the 2 GiB upload from
# the file server; and the hourly updater that every host keeps (low).
set -uo pipefail
wh=$1 src=$2
out=$("$wh" flows -q --json "$src/examples/incident-01") || { echo "flows failed"; exit 1; }
python3 - <<'PY' "$out"
import json, sys
fs = [json.loads(l) for l in sys.argv[1].splitlines()]
ok = True
def check(name, cond):
    global ok
    print(("ok   " if cond else "FAIL ") + name)
    ok &= bool(cond)
def d(f, k): return f["details"].get(k)
beacons = [f for f in fs if f["id"] == "WH-NET-BEACON"]
c2 = [f for f in beacons if d(f, "dst") == "203.0.113.77"]
check("one beacon to the C&C address", len(c2) == 1)
if c2:
    b = c2[0]
    check("its period is about 60 s", 55 <= float(d(b, "period_s")) <= 65)
    check("it is high", b["severity"] == "high")
    check("it is WS-FIN-07's", b["host"].startswith("WS-FIN-07"))
    check("owned by the implant in Temp", b.get("process", {}).get("image", "").endswith("\\Temp\\svchost.exe"))
upd = [f for f in beacons if d(f, "dst") == "192.0.2.150"]
check("the updater's hourly rhythm on three hosts", len(upd) == 3)
check("... each low, as a shared service", all(f["severity"] == "low" for f in upd))
sweeps = [f for f in fs if f["id"] == "WH-NET-SWEEP"]
ports = sorted(d(f, "port") for f in sweeps)
check("sweeps of 445, 3389, 22, 135, 5985 from WS-FIN-07",
      ports == sorted(["445/tcp", "3389/tcp", "22/tcp", "135/tcp", "5985/tcp"]) and
      all(f["host"].startswith("WS-FIN-07") and d(f, "hosts") == "40" for f in sweeps))
check("the sweep is reconnaissance", all(f["stage"] == "reconnaissance" for f in sweeps))
check("no 40-host lateral movement beside the sweep",
      not any(f["id"] == "WH-NET-LATERAL" and d(f, "hosts") == "40" for f in fs))
ex = [f for f in fs if f["id"] == "WH-NET-EXFIL"]
check("the upload from FS-01 to 198.51.100.23",
      len(ex) == 1 and ex[0]["host"].startswith("FS-01") and d(ex[0], "dst") == "198.51.100.23"
      and int(d(ex[0], "bytes_out")) > 2_000_000_000 and ex[0]["stage"] == "actions_on_objectives")
sys.exit(0 if ok else 1)
PY
