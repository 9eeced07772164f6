"""The catalog: the roadmap YAML format, deadlines, loading and syncing roadmaps, queries over obligations."""
