"""Peak memory of parsing one file, measured in a fresh Python process (so what earlier
measurements of the same run allocated does not count): the benchmarks' one probe."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
sys.path.insert(0, {root!r})
import parsers
{preload}


def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1])


data = open({path!r}, "rb").read()
before = status("VmRSS:")
record = parsers.parse(data, {name!r})
print(json.dumps({{"before_kb": before, "after_kb": status("VmRSS:"), "peak_kb": status("VmHWM:"),
                  "facts": len(record.facts), "chars": len(record.text)}}))
"""


def parse_in_fresh_process(path: str, name: str, preload: str = "") -> dict:
    """``parsers.parse`` of the file at ``path`` (read as ``name``) in a new interpreter:
    RSS after imports (``before_kb``), after parsing, the peak (VmHWM), facts and characters.
    ``preload``: import lines run before the baseline is read (what should not count)."""
    code = _PROBE.format(root=str(ROOT), path=path, name=name, preload=preload)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
