"""Input channels (the only part of bot/ besides actions/ that imports Rasa)."""
