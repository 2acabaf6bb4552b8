"""The tracker app: pulls policy documents from public sources and tags them against the three challenges."""
