"""Notification service: routes new alerts to the officer's supervisor by email."""
