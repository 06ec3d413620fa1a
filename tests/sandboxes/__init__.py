"""Tests of agentsstar.sandboxes."""
