"""The bot's words in every language it speaks: one gettext catalogue per language, and the translator."""
