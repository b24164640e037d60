#!/usr/bin/env python3
"""Every exported function is reachable from Python (it is in the GIR, not
skipped as non-introspectable) and exercised by a C test (its name appears
in a test under tests/unit/), so nothing public goes untested or unreachable.

usage: check-coverage.py LIBRARY GIR TESTDIR
"""
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

lib, gir, testdir = sys.argv[1:4]
out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                     capture_output=True, text=True).stdout
exported = sorted({line.split()[2].split("@")[0] for line in out.splitlines()
                   if len(line.split()) == 3 and line.split()[1] == "T"})

ns = {"c": "http://www.gtk.org/introspection/c/1.0",
      "core": "http://www.gtk.org/introspection/core/1.0"}
root = ET.parse(gir).getroot()
in_gir = {}
for el in root.iter():
    ident = el.get("{%s}identifier" % ns["c"])
    if ident:
        in_gir[ident] = el.get("introspectable", "1") != "0"
# GType getters and the quark are reached through the type system.
for el in root.iter():
    for attr in ("{http://www.gtk.org/introspection/glib/1.0}get-type",):
        if el.get(attr):
            in_gir[el.get(attr)] = True

tests = "\n".join(p.read_text(errors="replace")
                  for p in Path(testdir).rglob("*.c"))

status = 0
for sym in exported:
    if sym not in in_gir:
        print(f"not ok - {sym} is exported but not in the GIR")
        status = 1
    elif not in_gir[sym]:
        print(f"not ok - {sym} is in the GIR but not introspectable")
        status = 1
    if sym not in tests:
        print(f"not ok - {sym} is exported but no C test under {testdir} calls it")
        status = 1
if status == 0:
    print(f"ok - {len(exported)} exported functions are in the GIR and tested")
sys.exit(status)
