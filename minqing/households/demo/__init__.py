"""Demo and benchmark households: plausible rural households, the same for the same seed.

One generator serves both the demo township (东坝头镇, ≈6,000 households) and the county-scale
benchmark (兰考县, ≈300,000 households): it takes villages and a household count. Households are first
planned as plain data from a seeded random.Random (no global random, no set iteration, so the plan is
reproducible), then written in bulk, one village at a time, so memory stays flat at county scale.

`names` says what people are called, `plan` draws households as plain data, `write` inserts them in bulk
and `generate.demo_generate` is the entry point.
"""
