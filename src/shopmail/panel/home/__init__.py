"""The home page: every screen's card and the open alerts; the language switch."""
