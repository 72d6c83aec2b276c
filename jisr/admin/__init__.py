"""Ministry administration: staff accounts and their scopes."""
