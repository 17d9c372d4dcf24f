"""What the customer tells us: surveys, invitations, responses, complaints, and their triage."""
