"""What every view shares before it reads a request: parameters checked before a query uses them.
At the bottom of the layers, beside telemetry: it imports no app of ours."""
