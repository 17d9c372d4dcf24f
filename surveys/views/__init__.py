"""Views of the surveys app: `public` for customers (no login), `staff` for staff."""
