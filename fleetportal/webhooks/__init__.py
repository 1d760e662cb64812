"""Signed webhooks (F-92): a customer's endpoints receive the portal's domain events."""
