"""Sampling strategies: how the initial N candidates are drawn."""
