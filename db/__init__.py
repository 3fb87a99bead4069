"""Database idioms every app shares. At the bottom of the layers, beside telemetry and web: it
imports no app of ours."""
