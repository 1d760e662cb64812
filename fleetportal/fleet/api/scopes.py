"""The key scopes (or a login's rights) the fleet endpoints ask for."""

from __future__ import annotations

from fleetportal.accounts.models import ApiKey

READ = (ApiKey.Scope.READ, ApiKey.Scope.FLEET)
WRITE = (ApiKey.Scope.FLEET,)
