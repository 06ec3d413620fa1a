"""strategies/revision"""
