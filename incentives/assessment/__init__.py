"""Assessing: assess(profile, rulebook, as_of) -> Assessment, and what is built on it —
savings, timeline, explain, within reach, whatif, compare, the facts to ask for."""
