"""Shared core of the Voorbeeldstad knowledge base: settings, article model, model loading, CLI."""
