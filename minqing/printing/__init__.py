"""Shared printing: the CJK PDF layout engine and the Excel cell readers, writers and formats.

A plain package on the kernel floor (not an app: it has no models): any practice may use it, it imports no app.
"""
