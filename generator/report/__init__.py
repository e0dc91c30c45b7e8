"""`cfroutes report`: one self-contained HTML page describing a config's routing table."""
