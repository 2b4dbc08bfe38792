"""Campaigns: texts and templates, preview, approval and queueing."""
