"""Configuration: the settings the app reads from its environment and the YAML files under
data/ with their schemas. The lowest layer: it imports nothing else of the package."""
