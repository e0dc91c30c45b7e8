"""CloudFront facts: runtime profiles, header policy, limits, the JS and regex checkers.

Nothing here knows about routes."""
