"""Reading stacks: YAML with locations, merging, includes and references."""
