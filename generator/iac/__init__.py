"""Export room: infrastructure-as-code for the bundle (`cfroutes export cloudformation|terraform|cdk`).

One module per target; all read the same `source.Bundle` (the config built in memory,
compared with dist/)."""
