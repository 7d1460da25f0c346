#!/usr/bin/env python3
"""Write seeds for fuzz_sigma_diff: random Sigma rules and events made to meet them.

usage: gen-sigma-diff-corpus.py OUTDIR [COUNT] [SEED]

Each seed is a few rules (YAML documents) drawing on the grammar's parts
(modifiers, wildcards and escapes, null and empty values, numbers, lists,
keywords, conditions with `1 of`, `all of`, `them`, `not` and
parentheses, correlations, filters), a line "%%", and JSON lines of Sysmon and
Security events whose values are built from the rules' own literals, cut,
changed in case, put in longer values or left out, so that some rules
fire, some nearly do, and values repeat (the compiled matcher's memo).
One seed in five is Linux: rules on auditd and process_creation, and an
auditd log of execve events made the same way.
Deterministic for a given seed. Written for whitehawk's fuzzing.
"""
import base64, json, os, random, sys

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 60
rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 11)

WORDS = ["cmd.exe", "powershell", "-enc", "/c", "whoami", "\\Temp\\", "\\Downloads\\", "rundll32", ".pdf.exe",
         "mimikatz", "sekurlsa::", "C:\\Windows\\System32\\", "net user", "/add", "schtasks", "certutil",
         "-urlcache", "AppData", "Invoke-", "IEX", "http://", "vssadmin", "delete shadows", "bypass", "ab", "a"]
# literals of 24 bytes and more are anchored, and many begin alike
LONG = ["C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell_ise.exe",
        "\\AppData\\Local\\Temp\\setup_installer.exe", "\\AppData\\Local\\Temp\\setup_update.exe",
        "-ExecutionPolicy Bypass -NoProfile -File", "-ExecutionPolicy Bypass -WindowStyle Hidden",
        "SHA256=6B0D549B6F03675A1600A35A099950D836F6", "IMPHASH=907A70C31012F037B64CE4228C38FB29"]
STR_FIELDS = ["Image", "CommandLine", "ParentImage", "ParentCommandLine", "User", "TargetFilename",
              "OriginalFileName", "Hashes", "CurrentDirectory"]
NUM_FIELDS = ["DestinationPort", "SourcePort", "TerminalSessionId"]
IPS = ["10.1.2.3", "192.168.7.1", "8.8.8.8", "fe80::1", "2001:db8::5", "127.0.0.1", "not-an-ip"]
NETS = ["10.0.0.0/8", "192.168.0.0/16", "127.0.0.0/8", "fe80::/10", "2001:db8::/32", "8.8.8.8/32"]


def q(s):
    """A YAML single-quoted scalar."""
    return "'" + s.replace("'", "''") + "'"


def word():
    w = rnd.choice(WORDS) if rnd.random() < 0.75 else rnd.choice(LONG)
    if rnd.random() < 0.2:
        w = "".join(c.upper() if rnd.random() < 0.5 else c for c in w)
    return w


def glob(w):
    """A value with wildcards or escaped wildcards in it."""
    r = rnd.random()
    if r < 0.3:
        return "*" + w + "*"
    if r < 0.5:
        return w[:1] + "?" + w[2:] if len(w) > 2 else w + "?"
    if r < 0.6:
        return w + "\\*"
    if r < 0.7:
        return w + "\\\\*"
    return w + "*"


def str_item(lits):
    """One field: modifiers and values, and the literals events may carry."""
    f = rnd.choice(STR_FIELDS)
    mods = []
    r = rnd.random()
    vals = [word() for _ in range(rnd.choice([1, 1, 2, 3, 6, 9]))]
    if r < 0.25:
        mods.append(rnd.choice(["contains", "startswith", "endswith"]))
        if len(vals) > 1 and rnd.random() < 0.4:
            mods.append("all")
    elif r < 0.35:
        vals = [glob(v) for v in vals]
    elif r < 0.42:
        mods = ["re"] + rnd.sample(["i", "m", "s"], rnd.randint(0, 2))
        vals = [rnd.choice(["^C:\\\\Windows\\\\", "(?i)powershell.*-enc", "\\.pdf\\.exe$", "who?ami", "a{2,}b",
                            "(a|b)+c", "^$"])]
    elif r < 0.5:
        mods = [rnd.choice(["base64", "base64offset"]), "contains"]
        if rnd.random() < 0.5:
            mods.insert(0, rnd.choice(["utf16le", "utf16be", "wide", "utf16"]))
        for v in vals:
            lits.append(base64.b64encode(v.encode()).decode())
    elif r < 0.56:
        mods = ["windash", "contains"]
        vals = ["-" + rnd.choice(["enc", "nop", "w hidden", "urlcache"])]
        lits.extend(["/enc", "\u2013nop", "-w hidden", "\u2014urlcache"])
    elif r < 0.6:
        mods = ["cased"] + ([rnd.choice(["contains", "endswith"])] if rnd.random() < 0.6 else [])
    elif r < 0.64:
        return f"{f}|exists: {rnd.choice(['true', 'false'])}"
    elif r < 0.68:
        return f"{f}: {rnd.choice(['null', q('')])}"
    elif r < 0.72:
        g = rnd.choice([x for x in STR_FIELDS if x != f])
        mod = rnd.choice(["fieldref", "fieldref|contains", "fieldref|startswith", "fieldref|endswith"])
        return f"{f}|{mod}: {g}"
    elif r < 0.76:
        mods = ["neq"]
    lits.extend(v.replace("*", "").replace("?", "") for v in vals)
    m = ("|" + "|".join(mods)) if mods else ""
    if len(vals) == 1 and rnd.random() < 0.5:
        return f"{f}{m}: {q(vals[0])}"
    return f"{f}{m}:\n" + "".join(f"            - {q(v)}\n" for v in vals).rstrip("\n")


def num_item():
    r = rnd.random()
    if r < 0.4:
        f = rnd.choice(NUM_FIELDS)
        op = rnd.choice(["lt", "lte", "gt", "gte"])
        return f"{f}|{op}: {rnd.choice([0, 1, 80, 443, 1024, 4444, 65535])}"
    if r < 0.6:
        return f"DestinationIp|cidr:\n" + "".join(f"            - {q(n)}\n" for n in rnd.sample(NETS, rnd.randint(1, 4))).rstrip("\n")
    if r < 0.7:
        return f"EventID: {rnd.choice([1, 3, 11, 4688, '1', 5156])}"
    if r < 0.75:
        return f"ProcessId: {rnd.choice([6700, 4, 12, '0x1a2c'])}"
    if r < 0.85:
        return f"UtcTime|{rnd.choice(['minute', 'hour', 'day', 'month', 'year'])}: {rnd.choice([0, 3, 10, 2026])}"
    return f"DestinationPort: {rnd.choice([443, 4444, '80', 3389])}"


def selection(lits):
    if rnd.random() < 0.15:
        kws = [word() for _ in range(rnd.randint(1, 3))]
        lits.extend(kws)
        if rnd.random() < 0.3:
            kws = [glob(k) for k in kws]
        return "\n".join(f"        - {q(k)}" for k in kws), True
    n = rnd.randint(1, 3)
    items = [str_item(lits) if rnd.random() < 0.7 else num_item() for _ in range(n)]
    body = "\n".join("        " + it.replace("\n", "\n    ") for it in items)
    if rnd.random() < 0.2:   # a list of maps: ORed
        other = str_item(lits)
        return "        - " + items[0].replace("\n", "\n      ") + "\n        - " + other.replace("\n", "\n      "), False
    return body, False


def condition(names):
    sel = [n for n in names if not n.startswith("_")]
    r = rnd.random()
    if not any(n.startswith("sel") for n in names) and 0.2 <= r < 0.45:
        r = 0.9
    if not sel and 0.45 <= r < 0.62:
        r = 0.9
    if r < 0.2:
        return " and ".join(names[:2]) if len(names) > 1 else names[0]
    if r < 0.35:
        return "1 of sel*"
    if r < 0.45:
        return "all of sel*"
    if r < 0.55:
        return "1 of them"
    if r < 0.62:
        return "all of them"
    if r < 0.8 and len(names) > 1:
        return f"{names[0]} and not {names[1]}"
    if r < 0.9 and len(names) > 2:
        return f"({names[0]} or {names[1]}) and not {names[2]}"
    return " or ".join(sel or names)


LOGSOURCES = ["{product: windows, category: process_creation}", "{product: windows, category: network_connection}",
              "{product: windows, category: file_event}", "{product: windows}", "{product: windows, service: security}",
              "{product: windows, service: sysmon}"]


def rule(i, lits):
    names = []
    body = []
    for k in range(rnd.randint(1, 4)):
        name = rnd.choice(["sel", "sel", "sel_", "filter_", "_hidden"]) + str(k)
        text, kw = selection(lits)
        if kw:
            name = "keywords" + str(k)
        names.append(name)
        body.append(f"    {name}:\n{text}")
    return (f"title: r{i}\nid: 00000000-0000-4000-8000-{i:012d}\nname: r{i}\nstatus: test\nlevel: high\n"
            f"logsource: {rnd.choice(LOGSOURCES)}\ndetection:\n" + "\n".join(body) +
            f"\n    condition: {condition(names)}\n")


def correlation(i, refs):
    kind = rnd.choice(["event_count", "value_count", "temporal", "temporal_ordered"])
    cond = {"event_count": "gte: 2", "value_count": "gte: 2\n        field: CommandLine",
            "temporal": "", "temporal_ordered": ""}[kind]
    text = (f"title: c{i}\nid: 00000000-0000-4000-9000-{i:012d}\nstatus: test\nlevel: high\ncorrelation:\n"
            f"    type: {kind}\n    rules:\n" + "".join(f"        - {r}\n" for r in refs) +
            f"    group-by:\n        - Computer\n    timespan: {rnd.choice(['10s', '1m', '1h'])}\n")
    if cond:
        text += f"    condition:\n        {cond}\n"
    return text


def value_from(lits):
    parts = []
    for _ in range(rnd.randint(1, 3)):
        w = rnd.choice(lits) if lits and rnd.random() < 0.8 else word()
        r = rnd.random()
        if r < 0.15:
            w = w.upper()
        elif r < 0.25:
            w = w[1:] if len(w) > 1 else w
        elif r < 0.3:
            w = w.encode("utf-16-le").decode("latin-1") if rnd.random() < 0.1 else w + w
        parts.append(w)
    sep = rnd.choice(["", " ", "\\", "x"])
    v = sep.join(parts)
    if rnd.random() < 0.01:   # longer than the memo keeps
        v = (v + " ") * (5000 // (len(v) + 1) + 1)
    if rnd.random() < 0.3:
        v = rnd.choice(["C:\\Users\\a\\", "", "pre "]) + v + rnd.choice(["", ".exe", " /c"])
    return v


def event(t, lits, pool):
    if pool and rnd.random() < 0.35:
        e = dict(rnd.choice(pool))   # a repeat: the memo replays it
    else:
        kind = rnd.random()
        if kind < 0.6:
            e = {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
                 "Provider_Name": "Microsoft-Windows-Sysmon"}
        elif kind < 0.75:
            e = {"EventID": 3, "Channel": "Microsoft-Windows-Sysmon/Operational",
                 "Provider_Name": "Microsoft-Windows-Sysmon", "DestinationIp": rnd.choice(IPS),
                 "DestinationPort": rnd.choice([80, 443, 4444, "3389", "x"])}
        elif kind < 0.8:
            e = {"EventID": 11, "Channel": "Microsoft-Windows-Sysmon/Operational",
                 "Provider_Name": "Microsoft-Windows-Sysmon"}
        elif kind < 0.9:   # network_connection from the Security log: other names
            e = {"EventID": 5156, "Channel": "Security", "Provider_Name": "Microsoft-Windows-Security-Auditing",
                 "Application": value_from(lits), "DestAddress": rnd.choice(IPS),
                 "DestPort": rnd.choice([80, 443, 4444, "3389"]), "SourceAddress": rnd.choice(IPS),
                 "ProcessID": rnd.choice(["0x1a2c", "4", "6700"])}
        else:
            e = {"EventID": 4688, "Channel": "Security", "Provider_Name": "Microsoft-Windows-Security-Auditing",
                 "NewProcessName": value_from(lits), "NewProcessId": rnd.choice(["0x1a2c", "0x4", "12"]),
                 "ParentProcessName": value_from(lits)}
        e["Computer"] = rnd.choice(["ws1", "ws2"])
        e["ProcessId"] = rnd.choice([6700, 4, "0x1a2c", "12"])
        for f in STR_FIELDS:
            if rnd.random() < 0.6:
                e[f] = value_from(lits)
            if rnd.random() < 0.05:   # a list: the field has several values
                e[f] = [value_from(lits), value_from(lits)]
        if rnd.random() < 0.3:
            e[rnd.choice(NUM_FIELDS)] = rnd.choice([0, 1, 443, 4444, 70000, "-5", "1e3"])
        pool.append(e)
    e = dict(e)
    e["UtcTime"] = f"2026-03-02 10:{t // 60 % 60:02d}:{t % 60:02d}.000"
    r = rnd.random()
    if r < 0.05:   # names in another case (rules' names match case-insensitively)
        e = {(k.lower() if k in STR_FIELDS and rnd.random() < 0.5 else k): v for k, v in e.items()}
    elif r < 0.08:   # more fields than a view remembers places for, and long names
        for k in range(rnd.choice([30, 300])):
            e[f"Extra{k}" + ("_" * 40 if k % 7 == 0 else "")] = value_from(lits) if k % 5 == 0 else str(k)
    elif r < 0.1:   # the same fields in another order
        items = list(e.items())
        rnd.shuffle(items)
        e = dict(items)
    return json.dumps(e)


LINUX_FIELDS = ["Image", "CommandLine", "CurrentDirectory", "User", "exe", "comm", "a0", "a1", "key", "name"]
LINUX_WORDS = ["/usr/bin/dd", "/bin/bash", "if=/dev/zero", "of=/tmp/x", "/tmp/", "chmod", "+x", "/etc/shadow",
               "base64 -d", "curl", "wget", "nc -e", "/dev/tcp/", "python3 -c", "whoami", "/root"]


def linux_rule(i, lits):
    names = []
    body = []
    for k in range(rnd.randint(1, 3)):
        items = []
        for _ in range(rnd.choice([1, 1, 2, 3])):
            f = rnd.choice(LINUX_FIELDS)
            w = rnd.choice(LINUX_WORDS)
            lits.append(w)
            mod = rnd.choice(["", "|contains", "|contains", "|endswith", "|startswith", "|re", "|contains|all"])
            if mod == "|re":
                w = rnd.choice(["^/usr/", "dd$", "(?i)TMP", "/dev/(zero|null)"])
            if mod == "|contains|all":
                w2 = rnd.choice(LINUX_WORDS)
                lits.append(w2)
                items.append(f"{f}{mod}:\n                - {q(w)}\n                - {q(w2)}")
            else:
                items.append(f"{f}{mod}: {q(w)}")
        if rnd.random() < 0.2:
            items.append(f"type: {rnd.choice(['EXECVE', 'SYSCALL', 'PATH'])}")
        name = rnd.choice(["sel", "filter_"]) + str(k)
        names.append(name)
        body.append(f"    {name}:\n" + "\n".join("        " + it for it in items))
    ls = rnd.choice(["{product: linux, category: process_creation}", "{product: linux, service: auditd}",
                     "{product: linux}"])
    return (f"title: r{i}\nid: 00000000-0000-4000-8000-{i:012d}\nname: r{i}\nstatus: test\nlevel: high\n"
            f"logsource: {ls}\ndetection:\n" + "\n".join(body) + f"\n    condition: {condition(names)}\n")


def auditd_event(t, serial, lits):
    """The records of one execve, as auditd writes them."""
    def w():
        return rnd.choice(lits) if lits and rnd.random() < 0.7 else rnd.choice(LINUX_WORDS)
    exe = rnd.choice(["/usr/bin/dd", "/bin/bash", "/usr/bin/curl", w()])
    args = [exe.rsplit("/", 1)[-1]] + [w() for _ in range(rnd.randint(0, 3))]
    stamp = f"msg=audit({1700000000 + t}.{rnd.randint(0, 999):03d}:{serial})"
    recs = [f'type=SYSCALL {stamp}: arch=c000003e syscall=59 success=yes exit=0 ppid={rnd.randint(1, 9)} '
            f'pid={rnd.randint(100, 999)} auid=1000 uid={rnd.choice([0, 1000])} comm="{args[0]}" exe="{exe}" '
            f'key="{rnd.choice(["exec", "susp", w()])}"',
            f'type=EXECVE {stamp}: argc={len(args)} ' + " ".join(f'a{k}="{a}"' for k, a in enumerate(args)),
            f'type=CWD {stamp}: cwd="{rnd.choice(["/root", "/tmp", w()])}"',
            f'type=PATH {stamp}: item=0 name="{exe}" inode=1 nametype=NORMAL',
            f'type=EOE {stamp}:']
    return "\n".join(recs)


os.makedirs(out, exist_ok=True)
for n in range(count):
    if rnd.random() < 0.2:   # Linux: rules on auditd events
        lits = []
        nr = rnd.randint(1, 4)
        docs = [linux_rule(k, lits) for k in range(nr)]
        events = []
        t = 0
        pool = []
        for k in range(rnd.randint(3, 12)):
            t += rnd.choice([1, 2, 30])
            if pool and rnd.random() < 0.3:
                events.append(rnd.choice(pool).replace("SERIAL", str(100 + k)))
                continue
            e = auditd_event(t, "SERIAL", lits)
            pool.append(e)
            events.append(e.replace("SERIAL", str(100 + k)))
        with open(os.path.join(out, f"gen-{n:03d}"), "w") as fh:
            fh.write("---\n".join(docs) + "%%\n" + "\n".join(events) + "\n")
        continue
    lits = []
    nr = rnd.randint(1, 5)
    docs = [rule(k, lits) for k in range(nr)]
    if rnd.random() < 0.3:
        docs.append(correlation(nr, [f"r{k}" for k in rnd.sample(range(nr), min(nr, rnd.randint(1, 2)))]))
    if rnd.random() < 0.2:   # a filter: its events are left out of the rules it names
        body, _ = selection(lits)
        if body.lstrip().startswith("- "):
            body = "        " + str_item(lits).replace("\n", "\n    ")
        docs.append(f"title: f{nr}\nid: 00000000-0000-4000-a000-{nr:012d}\nlogsource: {rnd.choice(LOGSOURCES)}\n"
                    f"filter:\n    rules:\n" +
                    "".join(f"        - r{k}\n" for k in rnd.sample(range(nr), rnd.randint(1, nr))) +
                    f"    selection:\n{body}\n    condition: {rnd.choice(['selection', 'not selection'])}\n")
    pool = []
    t = 0
    lines = []
    # one seed in 20: enough new values of one field (400 events, three
    # passes) for the memo to give up on the field after its trial
    many = n % 20 == 19
    for k in range(400 if many else rnd.randint(4, 14)):
        t += rnd.choice([1, 2, 5, 30])
        if many and k % 8:
            lines.append(json.dumps({"EventID": 11, "Channel": "Microsoft-Windows-Sysmon/Operational",
                                     "Provider_Name": "Microsoft-Windows-Sysmon", "Computer": "ws1",
                                     "TargetFilename": f"C:\\Users\\a\\AppData\\Local\\Temp\\tmp{k:05X}.tmp" +
                                     (rnd.choice(lits) if lits and rnd.random() < 0.2 else ""),
                                     "UtcTime": f"2026-03-02 10:{t // 60 % 60:02d}:{t % 60:02d}.000"}))
        else:
            lines.append(event(t, lits, pool))
    with open(os.path.join(out, f"gen-{n:03d}"), "w") as fh:
        fh.write("---\n".join(docs) + "%%\n" + "\n".join(lines) + "\n")
