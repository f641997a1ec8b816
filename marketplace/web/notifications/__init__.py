"""The notification centre: the bell, the list, preferences, the development outbox and `flask notify-due`."""
