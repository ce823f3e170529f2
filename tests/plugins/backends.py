"""Backend wiring for the suite's two runs; filled in by the infrastructure commit."""
