"""The JSON API under /api/v1, documented by an OpenAPI 3 document generated from the code (flask-smorest)."""
