"""The pages of requests, one module per concern; urls.py and urls_public.py mount them."""
