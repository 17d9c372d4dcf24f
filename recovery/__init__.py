"""What we do about it: tickets and their workflow, restitution, improvements, reports."""
