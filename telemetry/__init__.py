"""What every process reports about itself: structured logs, counters for /metrics, heartbeats and
the status checks. At the bottom of the layers: apps of every floor import it, it imports none."""
