"""Deploy room: the AWS client wrapper, `cfroutes deploy`, `cfroutes kvs get|put|delete|list`
and `cfroutes test --remote` (see docs/deploy.md). boto3 is an optional extra: nothing here
imports it at module level."""
