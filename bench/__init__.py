"""brandpulse benchmark harness: each stage measured next to its own baseline (see README.md)."""
