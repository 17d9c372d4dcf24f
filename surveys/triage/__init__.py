"""Triage: how a piece of feedback feels, how urgent it is, what it is about, and why.

`engine.triage` is a pure function used by the live pipeline (`surveys.services.triage`) and the
`manage.py triage` command alike; it reads nothing from the database and works offline.
"""
