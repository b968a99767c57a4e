#!/usr/bin/env python
"""Service throughput and latency figures (cache hits; cold 10-passage requests at 8 clients).

    .venv/bin/python scripts/bench_service.py [--url http://127.0.0.1:PORT] [--json]
"""
import sys

from ctxprune.bench.load import main

if __name__ == "__main__":
    sys.exit(main())
