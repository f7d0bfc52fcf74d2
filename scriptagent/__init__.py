"""scriptagent: dialogue -> shot-level cinematic script -> anchored renders -> film, as a make-like build."""

__version__ = "0.1.0"
