"""The clinic's reviewed knowledge: the source page and the data files drawn from it.

Each module loads its file once, on first use, never at import time.
"""
