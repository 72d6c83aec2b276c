"""Coordinators' and admins' pages over the files of their scope: routing, waitlists, overrides."""
