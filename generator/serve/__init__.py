"""`cfroutes serve`: a local HTTP server that plays the edge with the built functions."""
