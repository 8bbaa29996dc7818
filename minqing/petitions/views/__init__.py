"""The pages of requests, one module per concern; urls.py and urls_public.py mount them.

Staff: the work list and closure report (`worklist`), intake (`intake`), the request page (`detail`) and its
handling steps (`steps`), the printable notices and the export (`downloads`), leader reception days
(`reception`). Without an account, at /p/: `public`.
"""
