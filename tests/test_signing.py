"""Signing: every pushed manifest signed with the stack's Vault key, in OCI's own signature format.

A real RSA key made here stands in for KMS: the mocked `kms.Sign` signs the bytes the program's message decodes to
with RSA-PSS (tools/engine/mocks.py, ``signer``). Every uploaded signature is then verified against the public key
with the `cryptography` package, and its message is read back and compared with what was pushed: the digests the
(mocked) registry reported, the repository, the region. The expected message is written out here from oci-cli's
format, not computed by the program's own function.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from components.signing_args import default_crypto_endpoint, signing_message
from policy.rules import signature_problems, unsigned_pushes
from stackconfig import ConfigError, parse_settings
from tests.conftest import COMPARTMENT, NS, TOKEN, valid_config
from tests.projects import DEV
from tools import verify as verify_tool
from tools.engine import types
from tools.engine.mocks import OcirMocks
from tools.engine.steps import deploy
from tools.engine.wire import UNKNOWN
from tools.harness import StackRun, reference_outputs, run_program
from tools.policy_check import check_resource, check_run, check_stack_policies
from tools.stackfiles import encode_config

VAULT = "bbqehaq3aadfa"
KEY = f"ocid1.key.oc1.eu-frankfurt-1.{VAULT}.{'a' * 60}"
VERSION = f"ocid1.keyversion.oc1.eu-frankfurt-1.0.{VAULT}.{'b' * 60}"
OTHER_KEY = f"ocid1.key.oc1.eu-frankfurt-1.{VAULT}.{'c' * 60}"
CLUSTER = "ocid1.cluster.oc1.eu-frankfurt-1.aaaaaaaaverifyingcluster"
HASH: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "SHA_224_RSA_PKCS_PSS": hashes.SHA224,
    "SHA_256_RSA_PKCS_PSS": hashes.SHA256,
    "SHA_384_RSA_PKCS_PSS": hashes.SHA384,
    "SHA_512_RSA_PKCS_PSS": hashes.SHA512,
}
BOTH = ["linux/amd64", "linux/arm64"]


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Kms:
    """The Vault key: signs what it is sent, with the algorithm asked for, and records each call."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.key = key
        self.calls: list[tuple[bytes, str, str, str]] = []

    def __call__(self, message: bytes, algorithm: str, key_ocid: str, version: str) -> bytes:
        self.calls.append((message, algorithm, key_ocid, version))
        digest = HASH[algorithm]()
        return self.key.sign(message, padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size), digest)


def signing(**fields: Any) -> dict[str, Any]:
    return {"keyOcid": KEY, "keyVersionOcid": VERSION, **fields}


def run_signed(private_key: rsa.RSAPrivateKey, **overrides: Any) -> tuple[StackRun, OcirMocks]:
    mocks = OcirMocks(token=TOKEN, signer=Kms(private_key))
    config = valid_config(**{"signing": signing(), "compartmentOcid": COMPARTMENT, **overrides})
    return run_program(config, mocks=mocks), mocks


def verifies(key: rsa.RSAPublicKey, signature: dict[str, Any]) -> bool:
    digest = HASH[signature["signingAlgorithm"]]()
    try:
        key.verify(
            base64.b64decode(signature["signature"]),
            base64.b64decode(signature["message"]),
            padding.PSS(mgf=padding.MGF1(digest), salt_length=padding.PSS.AUTO),
            digest,
        )
    except InvalidSignature:
        return False
    return True


def cli_message(digest: str, repository: str, region: str, algorithm: str = "SHA_256_RSA_PKCS_PSS") -> str:
    """oci-cli's message, written out: these keys in this order, no spaces, then base64."""
    text = (
        f'{{"description":"","imageDigest":"{digest}","kmsKeyId":"{KEY}","kmsKeyVersionId":"{VERSION}",'
        f'"metadata":"","region":"{region}","repositoryName":"{repository}","signingAlgorithm":"{algorithm}"}}'
    )
    return base64.b64encode(text.encode()).decode()


# --- the message and the endpoint --------------------------------------------------------------------------------


def test_the_message_is_oci_clis_byte_for_byte() -> None:
    made = signing_message("sha256:abc", KEY, VERSION, "eu-frankfurt-1", "p-test-api", "SHA_256_RSA_PKCS_PSS")
    assert made == cli_message("sha256:abc", "p-test-api", "eu-frankfurt-1")


@pytest.mark.parametrize(
    ("region", "endpoint"),
    [
        ("fra", f"https://{VAULT}-crypto.kms.eu-frankfurt-1.oraclecloud.com"),  # one of the CLI's regions without oci.
        ("eu-paris-1", f"https://{VAULT}-crypto.kms.eu-paris-1.oci.oraclecloud.com"),
        ("us-langley-1", f"https://{VAULT}-crypto.kms.us-langley-1.oraclegovcloud.com"),
        ("eu-frankfurt-2", f"https://{VAULT}-crypto.kms.eu-frankfurt-2.oci.oraclecloud.eu"),
    ],
)
def test_the_crypto_endpoint_is_derived_as_oci_cli_derives_it(region: str, endpoint: str) -> None:
    assert default_crypto_endpoint(KEY, region) == endpoint


# --- what a stack with signing declares ------------------------------------------------------------------------


def test_a_stack_that_signs_plans_a_kms_signature_and_an_image_signature_per_pushed_image() -> None:
    config = valid_config(signing=signing())
    run = run_program(config, mocks=OcirMocks(plan=True), preview=True)
    (image,) = run.of_type(types.IMAGE)
    (sign,) = run.of_type(types.KMS_SIGN)
    (signature,) = run.of_type(types.IMAGE_SIGNATURE)
    assert (sign.name, signature.name) == (f"{image.name}-sign", f"{image.name}-signature")
    assert sign.inputs["keyId"] == KEY
    assert sign.inputs["keyVersionId"] == VERSION
    assert sign.inputs["messageType"] == "RAW"
    assert sign.inputs["signingAlgorithm"] == "SHA_256_RSA_PKCS_PSS"
    assert sign.inputs["cryptoEndpoint"] == f"https://{VAULT}-crypto.kms.eu-frankfurt-1.oraclecloud.com"
    assert signature.inputs["kmsKeyId"] == KEY
    # The digest, and so the message, is known only once the image is pushed.
    assert sign.inputs["message"] == UNKNOWN
    assert signature.inputs["imageId"] == UNKNOWN
    assert signature.retain_on_delete  # a replaced image keeps its signature (components/signing.py)


def test_every_uploaded_signature_verifies_and_its_message_names_what_was_pushed(
    private_key: rsa.RSAPrivateKey,
) -> None:
    run, mocks = run_signed(private_key)
    (signature,) = mocks.signatures
    assert verifies(private_key.public_key(), signature)
    (pushed,) = mocks.pushed
    # The registry's digest (the docker mock's), not one the program made up, is what the message names.
    assert signature["message"] == cli_message(pushed["digest"], "p-test-api", "eu-frankfurt-1")
    assert signature["imageId"] == pushed["id"]
    assert signature["compartmentId"] == COMPARTMENT
    output = run.outputs["images"].value["api"]
    assert output["repoDigest"].endswith(f"@{pushed['digest']}")
    assert output["signatures"][f"{run.one(types.IMAGE).name}"]["signatureId"] == signature["id"]
    # KMS was sent the message's base64 form to sign as RAW: it signed the JSON bytes.
    (call,) = mocks.signer.calls  # type: ignore[union-attr]
    assert call[0] == base64.b64decode(signature["message"])
    assert json.loads(call[0])["imageDigest"] == pushed["digest"]


def test_a_signature_over_another_message_does_not_verify(private_key: rsa.RSAPrivateKey) -> None:
    _, mocks = run_signed(private_key)
    (signature,) = mocks.signatures
    forged = {**signature, "message": cli_message("sha256:" + "0" * 64, "p-test-api", "eu-frankfurt-1")}
    assert not verifies(private_key.public_key(), forged)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert not verifies(other.public_key(), signature)


@pytest.mark.parametrize("algorithm", sorted(HASH))
def test_each_algorithm_oci_accepts_signs_and_verifies(private_key: rsa.RSAPrivateKey, algorithm: str) -> None:
    mocks = OcirMocks(token=TOKEN, signer=Kms(private_key))
    run_program(valid_config(signing=signing(algorithm=algorithm)), mocks=mocks)
    (signature,) = mocks.signatures
    assert signature["signingAlgorithm"] == algorithm
    assert json.loads(base64.b64decode(signature["message"]))["signingAlgorithm"] == algorithm
    assert verifies(private_key.public_key(), signature)


def test_a_multi_platform_image_signs_its_index_and_each_platforms_image(private_key: rsa.RSAPrivateKey) -> None:
    run, mocks = run_signed(private_key, images=[{"name": "api", "tag": "1.0", "platforms": BOTH}])
    assert len(mocks.pushed) == 3  # two platform images and the index
    signed = {json.loads(base64.b64decode(s["message"]))["imageDigest"] for s in mocks.signatures}
    assert signed == {image["digest"] for image in mocks.pushed}
    assert all(verifies(private_key.public_key(), s) for s in mocks.signatures)
    output = run.outputs["images"].value["api"]
    assert {output["indexDigest"], *output["platformDigests"].values()} == signed
    pushers = {r.name for r in run.resources if r.type in (types.IMAGE, types.INDEX)}
    assert {r.name for r in run.of_type(types.IMAGE_SIGNATURE)} == {f"{name}-signature" for name in pushers}


@pytest.mark.parametrize("platforms", [None, BOTH])
def test_a_promoted_image_is_signed_by_the_digest_pushed_here(
    private_key: rsa.RSAPrivateKey, platforms: list[str] | None
) -> None:
    extra = {"platforms": platforms} if platforms else {}
    image = {**DEV[f"{NS}:images"][0], **extra}
    source = reference_outputs(run_program({**DEV, f"{NS}:images": [image]}, stack="dev", mocks=OcirMocks()))
    mocks = OcirMocks(token=TOKEN, signer=Kms(private_key), stack_outputs={f"organization/{NS}/dev": source})
    promoted = {key: value for key, value in image.items() if key != "context"}
    config = valid_config(
        prefix="p-shop-prd", signing=signing(), promoteFrom=f"organization/{NS}/dev", images=[promoted]
    )
    run = run_program(config, stack="prod", mocks=mocks)
    assert len(mocks.signatures) == (3 if platforms else 1)
    assert {json.loads(base64.b64decode(s["message"]))["imageDigest"] for s in mocks.signatures} == {
        image["digest"] for image in mocks.pushed if image["repositoryName"].startswith("p-shop-prd-")
    }
    assert all(verifies(private_key.public_key(), s) for s in mocks.signatures)
    assert run.of_type(types.REGISTRY_IMAGE)


def run_after(private_key: rsa.RSAPrivateKey, before: StackRun, **overrides: Any) -> StackRun:
    """The next update after ``before``: what did not change keeps its outputs, as the engine's same step does."""
    mocks = OcirMocks(token=TOKEN, signer=Kms(private_key), previous=before.resources)
    config = valid_config(**{"signing": signing(), "compartmentOcid": COMPARTMENT, **overrides})
    return run_program(config, mocks=mocks)


def test_an_unchanged_digest_signs_nothing_new_and_a_new_one_signs_again(private_key: rsa.RSAPrivateKey) -> None:
    first, _ = run_signed(private_key)
    again = run_after(private_key, first)
    retagged = run_after(private_key, again, images=[{"name": "api", "tag": "1.1"}])
    _, same, new = deploy(first.resources, again.resources, retagged.resources)
    assert same.one(types.KMS_SIGN).op == "same"
    assert same.one(types.IMAGE_SIGNATURE).op == "same"
    assert new.one(types.KMS_SIGN).op == "replace"
    replaced = new.one(types.IMAGE_SIGNATURE)
    assert replaced.op == "replace"
    assert replaced.removes is None  # the old image keeps its signature: retained on delete


def test_a_new_key_version_signs_every_image_again(private_key: rsa.RSAPrivateKey) -> None:
    first, _ = run_signed(private_key)
    rotated_version = VERSION.replace("b" * 60, "d" * 60)
    rotated = run_after(private_key, first, signing=signing(keyVersionOcid=rotated_version))
    _, update = deploy(first.resources, rotated.resources)
    assert update.one(types.KMS_SIGN).op == "replace"
    assert update.one(types.IMAGE_SIGNATURE).op == "replace"


def test_without_signing_nothing_is_signed() -> None:
    run = run_program(valid_config(), mocks=OcirMocks())
    assert run.of_type(types.KMS_SIGN) == run.of_type(types.IMAGE_SIGNATURE) == []


# --- IAM -----------------------------------------------------------------------------------------------------------


def test_the_group_may_use_exactly_the_key_and_each_cluster_may_verify(private_key: rsa.RSAPrivateKey) -> None:
    run, _ = run_signed(private_key, signing=signing(clusters=[CLUSTER]))
    statements = run.one(types.POLICY).inputs["statements"]
    assert statements[0] == "allow group test-devs to manage repos in tenancy where target.repo.name = /p-test-*/"
    assert statements[-3:] == [
        f"allow group test-devs to use keys in tenancy where target.key.id = '{KEY}'",
        f"allow any-user to use keys in tenancy where all {{request.user.id = '{CLUSTER}', target.key.id = '{KEY}'}}",
        f"allow any-user to read repos in compartment id {COMPARTMENT} where all {{request.user.id = '{CLUSTER}', "
        "target.repo.name = /p-test-*/}",
    ]


def test_signing_adds_statements_after_the_others_so_they_stay_put() -> None:
    plain = run_program(valid_config(), mocks=OcirMocks()).one(types.POLICY).inputs["statements"]
    signed = run_program(valid_config(signing=signing()), mocks=OcirMocks()).one(types.POLICY).inputs["statements"]
    assert signed[: len(plain)] == plain
    assert len(signed) == len(plain) + 1


# --- bad values: refused naming the key, nothing declared --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "key", "rule"),
    [
        (signing(keyOcid="ocid1.vault.oc1.eu-frankfurt-1.x.aaaa"), "signing.keyOcid", "must be a Vault key's OCID"),
        (signing(keyOcid="not-an-ocid"), "signing.keyOcid", "must be a Vault key's OCID"),
        ({"keyOcid": KEY}, "signing.keyVersionOcid", "is required"),
        (signing(keyVersionOcid=KEY), "signing.keyVersionOcid", "must be a key version's OCID"),
        (signing(algorithm="SHA_256_RSA_PKCS1_V1_5"), "signing.algorithm", "the RSA-PSS algorithms OCIR accepts"),
        (signing(algorithm="ECDSA_SHA_256"), "signing.algorithm", "must be one of SHA_224_RSA_PKCS_PSS"),
        (signing(cryptoEndpoint="http://example.com"), "signing.cryptoEndpoint", "must be a vault's crypto endpoint"),
        (signing(clusters=["ocid1.instance.oc1..aaaaaaaaaaa"]), "signing.clusters[0]", "must be an OKE cluster's OCID"),
        (signing(clusters=[CLUSTER, CLUSTER]), "signing.clusters[1]", "again"),
        (signing(clusters=CLUSTER), "signing.clusters", "must be a list"),
        (signing(keyId=KEY), "signing.keyId", "unknown field (did you mean keyOcid?)"),
        (signing(keyOcid=KEY.replace(".oc1.", ".oc2.")), "signing.keyOcid", "is in realm oc2 but the tenancy"),
        ("ocid1.key.oc1", "signing", "must be an object"),
    ],
)
def test_bad_signing_values_are_refused_naming_the_key_and_nothing_is_declared(value: Any, key: str, rule: str) -> None:
    config = encode_config(valid_config(signing=value))
    with pytest.raises(ConfigError) as raised:
        parse_settings(config, NS)
    assert any(problem == f"{NS}:{key}" and rule in message for problem, message in raised.value.problems), (
        raised.value.problems
    )
    run = run_program(valid_config(signing=value), mocks=OcirMocks(), raise_errors=False)
    assert run.error is not None
    assert f"{NS}:{key}" in str(run.error)
    assert run.resources == []


def test_a_region_of_an_unknown_realm_needs_the_crypto_endpoint() -> None:
    config = encode_config(valid_config(region="xx-newcity-1", signing=signing()))
    with pytest.raises(ConfigError) as raised:
        parse_settings(config, NS)
    assert any(key == f"{NS}:signing.cryptoEndpoint" for key, _ in raised.value.problems)
    given = signing(cryptoEndpoint=f"https://{VAULT}-crypto.kms.xx-newcity-1.oci.oraclecloud.com")
    assert parse_settings(encode_config(valid_config(region="xx-newcity-1", signing=given)), NS).signing


# --- the policy pack -------------------------------------------------------------------------------------------------


def test_the_pack_passes_a_stack_that_signs_with_clusters(private_key: rsa.RSAPrivateKey) -> None:
    config = valid_config(signing=signing(clusters=[CLUSTER]), compartmentOcid=COMPARTMENT, production=True)
    config[f"{NS}:images"] = [{"name": "api", "tag": "1.0", "immutable": True}]
    run = run_program(config, stack="prod", mocks=OcirMocks(signer=Kms(private_key)))
    assert check_run(run, encode_config(config)) == []


def test_the_pack_catches_an_unsigned_production_image(private_key: rsa.RSAPrivateKey) -> None:
    config = valid_config(signing=signing(), production=True, images=[{"name": "api", "tag": "1.0", "immutable": True}])
    run = run_program(config, stack="prod", mocks=OcirMocks(signer=Kms(private_key)))
    unsigned = [r for r in run.resources if r.type not in (types.IMAGE_SIGNATURE, types.KMS_SIGN)]
    (violation,) = check_stack_policies(unsigned, encode_config(config), run.project)
    image = run.one(types.IMAGE)
    assert violation.policy == "ocir-every-push-signed"
    assert violation.urn == image.urn
    assert "pushes an image that nothing signs" in violation.message
    assert f"{NS}:signing is set" in violation.message
    # Without signing the same resources pass: nothing asked for a signature.
    plain = valid_config(production=True, images=[{"name": "api", "tag": "1.0", "immutable": True}])
    assert check_stack_policies(unsigned, encode_config(plain), run.project) == []


def test_the_pack_refuses_a_signature_made_with_another_key() -> None:
    settings = parse_settings(encode_config(valid_config(signing=signing())), NS)
    other = {"kmsKeyId": OTHER_KEY, "kmsKeyVersionId": VERSION, "signingAlgorithm": "SHA_256_RSA_PKCS_PSS"}
    (problem,) = signature_problems(types.IMAGE_SIGNATURE, other, settings)
    assert f"not the stack's {NS}:signing.keyOcid" in problem
    (problem,) = signature_problems(types.KMS_SIGN, {"keyId": KEY, "keyVersionId": VERSION,
                                                     "signingAlgorithm": "SHA_512_RSA_PKCS_PSS"}, settings)  # fmt: skip
    assert "signingAlgorithm" in problem
    unsigned = parse_settings(encode_config(valid_config()), NS)
    (problem,) = signature_problems(types.KMS_SIGN, {"keyId": KEY}, unsigned)
    assert f"{NS}:signing is not set" in problem


def test_the_pack_allows_key_and_cluster_statements_only_as_signing_asks(private_key: rsa.RSAPrivateKey) -> None:
    run, _ = run_signed(private_key, signing=signing(clusters=[CLUSTER]))
    policy = run.one(types.POLICY)
    config = encode_config(valid_config(signing=signing(clusters=[CLUSTER]), compartmentOcid=COMPARTMENT))
    assert check_resource(types.POLICY, policy.inputs, config) == []
    for widened in (
        f"allow group test-devs to use keys in tenancy where target.key.id = '{OTHER_KEY}'",
        "allow group test-devs to use keys in tenancy",
        f"allow group test-devs to manage keys in tenancy where target.key.id = '{KEY}'",
        f"allow any-user to use keys in tenancy where target.key.id = '{KEY}'",
        "allow any-user to read repos in tenancy where all {request.user.id = 'ocid1.cluster.oc1.iad.aaaaaaaaother', "
        "target.repo.name = /p-test-*/}",
        f"allow any-user to read repos in tenancy where request.user.id = '{CLUSTER}'",
    ):
        inputs = {**policy.inputs, "statements": [*policy.inputs["statements"], widened]}
        (violation,) = check_resource(types.POLICY, inputs, config)
        assert f"is not one of the statements {NS}:signing asks for" in violation.message, widened
    without = encode_config(valid_config())
    (violation,) = check_resource(
        types.POLICY,
        {**policy.inputs, "statements": [policy.inputs["statements"][0], policy.inputs["statements"][-3]]},
        without,
    )
    assert f"{NS}:signing is not set" in violation.message


def test_unsigned_pushes_finds_each_pusher_by_name() -> None:
    settings = parse_settings(encode_config(valid_config(signing=signing())), NS)
    resources = [
        (types.IMAGE, "a-image", "urn:a"),
        (types.KMS_SIGN, "a-image-sign", "urn:a-sign"),
        (types.IMAGE_SIGNATURE, "a-image-signature", "urn:a-signature"),
        (types.INDEX, "b-index", "urn:b"),
        (types.KMS_SIGN, "b-index-sign", "urn:b-sign"),
    ]
    ((urn, problem),) = unsigned_pushes(resources, settings)
    assert urn == "urn:b"
    assert "no image signature named b-index-sign/b-index-signature" in problem


# --- tools.verify ----------------------------------------------------------------------------------------------------


def _listed(mocks: OcirMocks) -> dict[str, Any]:
    """The signatures as `oci artifacts container image-signature list` prints them (hyphenated keys)."""
    items = [
        {"id": s["id"], "image-id": s["imageId"], "kms-key-id": s["kmsKeyId"],
         "kms-key-version-id": s["kmsKeyVersionId"], "message": s["message"], "signature": s["signature"],
         "signing-algorithm": s["signingAlgorithm"]}
        for s in mocks.signatures
    ]  # fmt: skip
    return {"data": {"items": items}}


def test_the_verify_command_checks_a_pushed_images_signatures(
    private_key: rsa.RSAPrivateKey, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    run, mocks = run_signed(private_key)
    reference = run.outputs["images"].value["api"]["repoDigest"]
    (tmp_path / "signatures.json").write_text(json.dumps(_listed(mocks)))
    pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "key.pem").write_bytes(pem)
    common = ["--signatures", str(tmp_path / "signatures.json"), "--public-key", str(tmp_path / "key.pem")]
    assert verify_tool.main([reference, *common, "--region", "eu-frankfurt-1"]) == 0
    assert "1 of 1 signature(s) valid" in capsys.readouterr().out
    # Another digest, another region or another key: nothing valid.
    other = reference.rsplit("@", 1)[0] + "@sha256:" + "0" * 64
    assert verify_tool.main([other, *common]) == 1
    assert "the message names imageDigest" in capsys.readouterr().out
    assert verify_tool.main([reference, *common, "--region", "eu-paris-1"]) == 1
    capsys.readouterr()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    (tmp_path / "key.pem").write_bytes(
        stranger.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert verify_tool.main([reference, *common]) == 1
    assert "does not verify with this public key" in capsys.readouterr().out


def test_the_verify_command_refuses_a_tag_reference(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "s.json").write_text("[]")
    (tmp_path / "k.pem").write_text("")
    assert verify_tool.main(["fra.ocir.io/ns/p-test-api:1.0", "--signatures", str(tmp_path / "s.json"),
                             "--public-key", str(tmp_path / "k.pem")]) == 2  # fmt: skip
    assert "signatures are per digest" in capsys.readouterr().err
