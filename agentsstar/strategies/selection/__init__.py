"""Selection strategies: how one candidate is chosen."""
