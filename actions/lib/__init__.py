"""Helpers shared by the actions; no action module imports another."""
