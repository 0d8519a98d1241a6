"""A Kubernetes pull secret for an ocir stack's images, from that stack's pullSecret output.

The ocir stack exports `pullSecret` (with `ocir:pullUserOcid`): its pull user's docker login as a
`kubernetes.io/dockerconfigjson` document. This program reads it through a stack reference and declares the
Secret that holds it under `.dockerconfigjson`, so a rotated pull token reaches the cluster on the next
`pulumi up`. Pods pull with `imagePullSecrets: [{name: <secretName>}]`.
"""

import pulumi
import pulumi_kubernetes as kubernetes

config = pulumi.Config()
stack = config.require("ocirStack")
ocir = pulumi.StackReference("ocir", stack_name=stack)
# The ocir project's config namespace is its name: the middle part of <organization>/<project>/<stack>.
namespace = stack.split("/")[-2] if stack.count("/") == 2 else "<project>"


def _present(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise pulumi.RunError(
            f"ocirStack: stack {stack} exports no pullSecret; set {namespace}:pullUserOcid (and its group in "
            f"{namespace}:pullers) there and deploy it first"
        )
    return value


# Secret in the stack reference already; wrapped again so that it stays one whatever the source says.
document = pulumi.Output.secret(ocir.get_output("pullSecret").apply(_present))

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
