"""The registry app: capability thresholds, the instruments that define them, and reference models."""
