"""Rendering an assessment for a person or a program: words in Chinese or English, JSON,
terminal tables (rich), Markdown and HTML reports."""
