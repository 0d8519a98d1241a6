"""The ocir policy pack (pulumi-policy): see rules.py and PulumiPolicy.yaml."""
