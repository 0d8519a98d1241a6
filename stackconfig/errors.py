"""ConfigError: every problem of a stack's config, one line per key."""


class ConfigError(ValueError):
    """Bad stack configuration: one ``(key, rule)`` pair per problem, each line starting with the key."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{key}: {rule}" for key, rule in problems))

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.problems]


class Problems:
    """Collects problems by config key while a stack's config is read."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, key: str, rule: str) -> None:
        self.items.append((key, rule))
