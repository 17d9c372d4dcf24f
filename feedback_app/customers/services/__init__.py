"""Writes to the customer layer, one module per kind: `timeline`, `resolve` (an incoming person
to one profile), `profile` (edits and consent), `merge`, `holds`. Every function takes keyword
arguments and an `actor` (the staff user, or None for the system), validates, saves and returns
the object; views, the API, tasks and commands use these and never write the models directly."""
