"""Revision strategies: how a candidate is improved using public-test feedback."""
