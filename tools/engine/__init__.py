"""The engine stand-in: what the Pulumi engine and the providers do, written once, each rule beside its source.

No Pulumi CLI or provider plugin runs on the machines the tests run on, so everything the harness, the
mocks, the plan and the plan diff assume of them lives here, naming the file it mirrors:

- ``wire``: the wire format of values (secret and unknown markers), pulumi/pulumi
  ``sdk/python/lib/pulumi/runtime/rpc.py``;
- ``urns``: URNs and alias resolution, pulumi/pulumi ``sdk/go/common/resource/urn.go`` and
  ``pkg/resource/deploy/step_generator.go`` (``inheritedChildAlias``);
- ``triggers``: when a replacement trigger replaces, pulumi/pulumi ``pkg/resource/deploy/step_generator.go``;
- ``rules``: per resource type the program declares, which inputs force a replacement and what Delete
  removes (terraform-provider-oci, kreuzwerker/terraform-provider-docker through pulumi-docker,
  pulumi-docker's native Image, pulumi-docker-build's Index);
- ``steps``: the step the engine takes for a resource between two evaluations (same, update, replace,
  create, delete), whether protection stops it and what its Delete removes;
- ``credentials``: which login a provider uses for a registry host;
- ``monitor`` and ``mocks``: the recording resource monitor and the provider stand-ins the harness runs with;
- ``types``: the type tokens.

docs/engine-rules.md lists every rule with its source and the test that holds it, and what only a real
engine or OCI would show.
"""
