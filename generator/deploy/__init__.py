"""Deploy room, the AWS library: the client wrapper (aws.py), the deploy plan and its
consistent application (changeset.py, apply.py), the KeyValueStore operations (kvs.py) and
TestFunction side by side with the emulator (remote.py); see docs/deploy.md. The commands
are in generator/cli/ (deploy.py, kvs.py, test.py); nothing here imports from cli/. boto3
is an optional extra: nothing here imports it at module level."""
