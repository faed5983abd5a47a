"""shopmail's foundation: per-app state, configuration, models, and the small helpers every layer uses."""
