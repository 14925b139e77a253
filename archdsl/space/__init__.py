"""Search spaces: spec documents in which some values are choices.

A space is read like a spec (YAML, with a location for every value), its choices are
checked against the same schema as plain specs, and choosing a value for each gives an
ordinary document: expansion and every backend only ever see concrete documents.
"""
