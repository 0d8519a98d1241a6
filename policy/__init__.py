"""The ocir policy pack (pulumi-policy): pack.py (the policies), rules.py (the rules), statement.py (the IAM parser)."""
