"""Calls for expressions of interest and the associations' applications to them."""
