"""`cfroutes diff`: which requests answer differently after a change of routes.yaml.

`logs` reads CloudFront standard access logs, `base` materialises the config as of a
git revision, `replay` runs requests through both builds and groups what changed.
"""
