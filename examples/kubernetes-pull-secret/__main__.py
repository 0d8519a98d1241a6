"""A Kubernetes pull secret for an ocir stack's images, from that stack's pullSecret output.

The ocir stack exports `pullSecret` (with `ocir:pullUserOcid`): its pull user's docker login as a
`kubernetes.io/dockerconfigjson` document. This program reads it through a stack reference and declares the
Secret that holds it under `.dockerconfigjson`, so a rotated pull token reaches the cluster on the next
`pulumi up`. Pods pull with `imagePullSecrets: [{name: <secretName>}]`.
"""

import pulumi
import pulumi_kubernetes as kubernetes

config = pulumi.Config()
ocir = pulumi.StackReference("ocir", stack_name=config.require("ocirStack"))

# Secret in the stack reference already; wrapped again so that it stays one whatever the source says.
document = pulumi.Output.secret(ocir.require_output("pullSecret"))

# pulumi-kubernetes marks the Secret's data and stringData secret itself (additional_secret_outputs).
secret = kubernetes.core.v1.Secret(
    "ocir-pull",
    metadata=kubernetes.meta.v1.ObjectMetaArgs(
        name=config.get("secretName") or "ocir-pull",
        namespace=config.get("namespace") or "default",
    ),
    type="kubernetes.io/dockerconfigjson",
    string_data={".dockerconfigjson": document},
)

pulumi.export("secretName", secret.metadata.name)
pulumi.export("namespace", secret.metadata.namespace)
