"""Writes of the surveys app, by domain: building surveys, inviting, answering, importing."""
