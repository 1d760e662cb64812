"""Core test helpers on top of the shared fixtures in fleetportal/conftest.py.

new_key(user, scopes)   an API key made by the real action (from the API tests' conftest)
"""
