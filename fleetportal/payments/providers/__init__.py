"""Payment provider adapters (DESIGN rule 6): `base.Provider` and its implementations."""
