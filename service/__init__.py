"""The ctxprune REST sidecar (FastAPI). Installed as the ``ctxprune_service`` package."""
