"""What every API view shares: the permission class, the parser, the error answers, the write
rate. The router itself is the shell's (feedback_app/api/urls.py)."""
