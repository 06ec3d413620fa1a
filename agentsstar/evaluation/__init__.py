"""Benchmark runs: many problems, one model and sandbox, results that survive a kill."""
