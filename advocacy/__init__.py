"""Advocacy Monitor: news monitoring and evidence briefs for refugee and migrant rights advocacy."""
__version__ = "0.1.0"
