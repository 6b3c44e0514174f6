"""Input channels of ours, named in credentials.yml by module path."""
