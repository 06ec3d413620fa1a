"""strategies/selection"""
