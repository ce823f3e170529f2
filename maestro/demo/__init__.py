"""Demo seed data, one package at the top of the layers (it may import every app; no app imports
it). `seed.demo_seed()` loads it all; `manage.py seed_demo` runs that. One module per concept:
people, timeline, engagement, mapping, training, playbooks, runbooks, intake, reviews."""
