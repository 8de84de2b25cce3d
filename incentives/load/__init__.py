"""Loading: rule folders into a RuleBook (every problem with file and line), profile files,
and the cache of parsed TOML."""
