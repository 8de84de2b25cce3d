"""The model: facts and profiles, the condition language, rules, parameters, places, results.

The lowest layer: it imports nothing of incentives but `errors`, and no terminal code."""
