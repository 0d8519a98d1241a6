"""The ocir program's stack configuration: the keys in the project's namespace (`<project>:*`) read,
checked and mapped to OcirProject's arguments. Only the program uses it; the component package
(components/) knows nothing of it."""

from .errors import ConfigError
from .images import ImageSpec
from .settings import Settings, parse_settings, program_tags, read_pulumi_config

__all__ = ["ConfigError", "ImageSpec", "Settings", "parse_settings", "program_tags", "read_pulumi_config"]
