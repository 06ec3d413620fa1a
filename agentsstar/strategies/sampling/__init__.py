"""strategies/sampling"""
