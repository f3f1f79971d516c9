#!/usr/bin/env python3
"""Lists every test that Surefire or Failsafe reported skipped; under CI=true any skip that
.ci/allowed-skips does not name (with why this host cannot run it) fails the run, as conmon's strict
mode does: a green CI must mean the real parts ran."""
import glob
import os
import sys
import xml.etree.ElementTree as ET

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
allowed = {}
with open(os.path.join(top, ".ci", "allowed-skips")) as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, why = line.partition(" ")
            allowed[name] = why.strip()

reports = glob.glob(os.path.join(top, "*", "target", "*-reports", "TEST-*.xml"))
unexpected = []
for report in sorted(reports):
    for case in ET.parse(report).getroot().iter("testcase"):
        skipped = case.find("skipped")
        if skipped is None:
            continue
        name = case.get("classname", "").rsplit(".", 1)[-1] + "#" + case.get("name", "")
        reason = skipped.get("message", "")
        if name in allowed:
            print(f"skipped (allowed: {allowed[name]}): {name}")
        else:
            unexpected.append(name)
            print(f"SKIPPED: {name}: {reason}")

print(f"{len(reports)} test reports read, {len(unexpected)} skips not allowed by .ci/allowed-skips")
if not reports:
    sys.exit("no test reports found: did the tests run?")
if unexpected and os.environ.get("CI") == "true":
    sys.exit("under CI a skipped test is a failure: install what it needs (make test-deps) or fix it")
