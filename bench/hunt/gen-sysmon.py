#!/usr/bin/env python3
"""Generate Sysmon events as JSON lines for the hunt benchmark.

usage: gen-sysmon.py N OUT [SEED]

A realistic mix for a Windows fleet: process creation (1) 30 %, image loads
(7) 25 %, network connections (3) 12 %, file creation (11) 12 %, registry
(12/13) 12 %, DNS (22) 6 %, process access (10) 3 %; the usual fields with
values drawn from pools of real-looking paths, command lines, users, hashes,
addresses. Deterministic for a given seed. Written by whitehawk for its
benchmark; no data from elsewhere.
"""
import json, random, sys, uuid

n = int(sys.argv[1]); out = sys.argv[2]
rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)

hosts = [f"WS-{d}-{i:02d}.corp.example" for d in ("FIN", "HR", "DEV", "OPS") for i in range(1, 26)]
users = [f"CORP\\user{i:03d}" for i in range(200)] + ["NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\NETWORK SERVICE"]
sysdir = "C:\\Windows\\System32\\"
images = [sysdir + x for x in ("svchost.exe", "cmd.exe", "conhost.exe", "rundll32.exe", "taskhostw.exe",
          "wbem\\WmiPrvSE.exe", "WindowsPowerShell\\v1.0\\powershell.exe", "dllhost.exe", "sc.exe", "reg.exe",
          "net.exe", "whoami.exe", "msiexec.exe", "schtasks.exe", "werfault.exe", "backgroundTaskHost.exe")] + [
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
    "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
    "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
    "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
    "C:\\Program Files\\Notepad++\\notepad++.exe",
    "C:\\Windows\\explorer.exe",
    "C:\\Program Files\\Microsoft VS Code\\Code.exe",
    "C:\\Users\\user042\\AppData\\Local\\Temp\\setup_3921.exe",
    "C:\\Users\\user017\\Downloads\\report_final.exe",
    "C:\\ProgramData\\Update\\updater.exe",
]
args = ["", " /c dir", " -k netsvcs -p -s Schedule", " /quiet /norestart", " query HKLM\\Software\\Vendor /v Version",
        " --type=renderer --field-trial-handle=1820,i,1239", " -NoProfile -ExecutionPolicy Bypass -File C:\\scripts\\inv.ps1",
        " user /domain", " /all", " /create /tn Update /tr C:\\ProgramData\\u.exe /sc daily", " shell32.dll,Control_RunDLL",
        " -Embedding", " /s /v /qn", " view \\\\fs01", " -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=",
        " start wuauserv", " config \"Spooler\" start= auto", " C:\\Users\\user042\\Documents\\budget_2026.xlsx"]
dlls = [sysdir + x for x in ("ntdll.dll", "kernel32.dll", "KernelBase.dll", "user32.dll", "advapi32.dll", "ws2_32.dll",
        "crypt32.dll", "wininet.dll", "amsi.dll", "dbghelp.dll", "samlib.dll", "vaultcli.dll", "clr.dll", "wldp.dll")]
companies = ["Microsoft Corporation", "Google LLC", "Adobe Inc.", "Notepad++", "-", "Mozilla Corporation"]
domains = ["www.google.com", "login.microsoftonline.com", "outlook.office365.com", "update.example.net",
           "cdn.example.org", "files.share-drop.example", "api.github.com", "wpad.corp.example"]
keys = ["HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater",
        "HKU\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.xlsx",
        "HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-1\\Device",
        "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\DisableAntiSpyware",
        "HKU\\S-1-5-21-1-2-3-1001\\Software\\Classes\\ms-settings\\shell\\open\\command"]
files = ["C:\\Users\\user{u:03d}\\AppData\\Local\\Temp\\tmp{r:04X}.tmp", "C:\\Users\\user{u:03d}\\Downloads\\invoice_{r}.pdf",
         "C:\\Windows\\Prefetch\\CMD.EXE-{r:08X}.pf", "C:\\Users\\user{u:03d}\\AppData\\Roaming\\Microsoft\\Windows\\Recent\\{r}.lnk",
         "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\{r}.bin", "C:\\Windows\\Temp\\{r:X}.ps1"]

def guid():
    return "{" + str(uuid.UUID(int=rnd.getrandbits(128))).upper() + "}"

def hexs(k):
    return "%0*X" % (k, rnd.getrandbits(4 * k))

def base(eid, host, rec, t):
    return {"EventID": eid, "Computer": host, "Channel": "Microsoft-Windows-Sysmon/Operational",
            "Provider_Name": "Microsoft-Windows-Sysmon", "EventRecordID": rec, "RuleName": "-",
            "UtcTime": "2026-03-02 %02d:%02d:%02d.%03d" % (t // 3600 % 24, t // 60 % 60, t % 60, rnd.randrange(1000)),
            "ProcessGuid": guid(), "ProcessId": rnd.randrange(300, 20000), "Image": rnd.choice(images)}

mix = [1] * 30 + [7] * 25 + [3] * 12 + [11] * 12 + [12] * 4 + [13] * 8 + [22] * 6 + [10] * 3
with open(out, "w") as f:
    for i in range(n):
        eid = rnd.choice(mix); host = rnd.choice(hosts); t = 8 * 3600 + i * 36000 // n
        e = base(eid, host, 1000 + i, t)
        if eid == 1:
            img = e["Image"]
            e.update({"FileVersion": "10.0.19041.%d" % rnd.randrange(5000), "Description": "Windows binary",
                      "Product": "Microsoft® Windows® Operating System", "Company": rnd.choice(companies),
                      "OriginalFileName": img.rsplit("\\", 1)[1], "CommandLine": '"' + img + '"' + rnd.choice(args),
                      "CurrentDirectory": sysdir, "User": rnd.choice(users), "LogonGuid": guid(),
                      "LogonId": "0x%x" % rnd.getrandbits(24), "TerminalSessionId": rnd.randrange(3),
                      "IntegrityLevel": rnd.choice(["Medium", "High", "System"]),
                      "Hashes": "SHA1=%s,MD5=%s,SHA256=%s,IMPHASH=%s" % (hexs(40), hexs(32), hexs(64), hexs(32)),
                      "ParentProcessGuid": guid(), "ParentProcessId": rnd.randrange(300, 20000),
                      "ParentImage": rnd.choice(images), "ParentCommandLine": rnd.choice(images) + rnd.choice(args),
                      "ParentUser": rnd.choice(users)})
        elif eid == 7:
            e.update({"ImageLoaded": rnd.choice(dlls), "FileVersion": "10.0.19041.1", "Description": "library",
                      "Product": "Microsoft® Windows® Operating System", "Company": rnd.choice(companies),
                      "OriginalFileName": "lib.dll", "Hashes": "SHA256=" + hexs(64), "Signed": rnd.choice(["true"] * 9 + ["false"]),
                      "Signature": "Microsoft Windows", "SignatureStatus": "Valid", "User": rnd.choice(users)})
        elif eid == 3:
            e.update({"User": rnd.choice(users), "Protocol": "tcp", "Initiated": "true", "SourceIsIpv6": "false",
                      "SourceIp": "10.20.%d.%d" % (rnd.randrange(4), rnd.randrange(1, 250)), "SourceHostname": "-",
                      "SourcePort": rnd.randrange(49152, 65535), "SourcePortName": "-", "DestinationIsIpv6": "false",
                      "DestinationIp": rnd.choice(["142.250.%d.%d", "20.190.%d.%d", "10.20.0.%d%d", "203.0.113.%d%d"]) % (rnd.randrange(9), rnd.randrange(9)),
                      "DestinationHostname": rnd.choice(domains), "DestinationPort": rnd.choice([443, 443, 80, 445, 135, 3389, 8080]),
                      "DestinationPortName": "-"})
        elif eid == 11:
            e.update({"TargetFilename": rnd.choice(files).format(u=rnd.randrange(200), r=rnd.getrandbits(32)),
                      "CreationUtcTime": e["UtcTime"], "User": rnd.choice(users)})
        elif eid in (12, 13):
            e.update({"EventType": "SetValue" if eid == 13 else "CreateKey", "TargetObject": rnd.choice(keys),
                      "User": rnd.choice(users)})
            if eid == 13:
                e["Details"] = rnd.choice(["DWORD (0x00000001)", "C:\\ProgramData\\u.exe", "Binary Data"])
        elif eid == 22:
            e.update({"QueryName": rnd.choice(domains), "QueryStatus": "0",
                      "QueryResults": "type:  5 x.example;::ffff:142.250.1.%d;" % rnd.randrange(255), "User": rnd.choice(users)})
        elif eid == 10:
            e.update({"SourceProcessGUID": guid(), "SourceProcessId": rnd.randrange(300, 20000), "SourceThreadId": rnd.randrange(20000),
                      "SourceImage": rnd.choice(images), "TargetProcessGUID": guid(), "TargetProcessId": 700,
                      "TargetImage": sysdir + "lsass.exe", "GrantedAccess": rnd.choice(["0x1000", "0x1410", "0x1fffff"]),
                      "CallTrace": sysdir + "ntdll.dll+9d4c4|" + sysdir + "KERNELBASE.dll+2c13e|UNKNOWN(00007FFA1B2C)",
                      "SourceUser": rnd.choice(users), "TargetUser": "NT AUTHORITY\\SYSTEM"})
        f.write(json.dumps(e, separators=(",", ":")) + "\n")
