"""Benchmark scripts print each figure as one JSON line and append it to a file (``--out``)."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path


class FigureLog:
    def __init__(self, path: str | os.PathLike, script: str):
        self.path = Path(path)
        self.script = script
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def emit(self, record: dict) -> dict:
        """Print ``record`` and append it, stamped with the script, time and load average, to the file."""
        print(json.dumps(record), flush=True)
        stamped = {"script": self.script, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                   "load_avg_1m": round(os.getloadavg()[0], 2), **record}
        with self.path.open("a") as f:
            f.write(json.dumps(stamped) + "\n")
        return record
