"""Type tokens of the resources and functions the program declares, as the engine receives them.

One spelling for the mocks that answer for them and the tests and checks that look them up.
"""

POLICY = "oci:Identity/policy:Policy"
AUTH_TOKEN = "oci:Identity/authToken:AuthToken"
REPOSITORY = "oci:Artifacts/containerRepository:ContainerRepository"
IMAGE = "docker:index/image:Image"
REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"
TAG = "docker:index/tag:Tag"
REGISTRY_IMAGE = "docker:index/registryImage:RegistryImage"
INDEX = "docker-build:index:Index"
SCAN_RECIPE = "oci:VulnerabilityScanning/containerScanRecipe:ContainerScanRecipe"
SCAN_TARGET = "oci:VulnerabilityScanning/containerScanTarget:ContainerScanTarget"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
LOGIN_CHECK = "pulumi-python:dynamic/ocir:RegistryLoginCheck"
GET_NAMESPACE = "oci:ObjectStorage/getNamespace:getNamespace"
GET_USER = "oci:Identity/getUser:getUser"
GET_AUTH_TOKENS = "oci:Identity/getAuthTokens:getAuthTokens"
GET_CONTAINER_REPOSITORY = "oci:Artifacts/getContainerRepository:getContainerRepository"
GET_COMPARTMENTS = "oci:Identity/getCompartments:getCompartments"
GET_POLICIES = "oci:Identity/getPolicies:getPolicies"
GET_CONTAINER_REPOSITORIES = "oci:Artifacts/getContainerRepositories:getContainerRepositories"
