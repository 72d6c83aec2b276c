"""Incubators: the public directory, the manager's pages and staff invitations."""
