"""Delivery channels: one small module per way a message leaves the portal."""
