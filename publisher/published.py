"""What the publish step hands the site and the dumps: each report with its identity and findings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from .agencies import Agency
from .model import Report
from .validate import Finding


class Kept(Sequence[Finding]):
    """A report's findings where the build keeps them (its cache), read each time they are asked
    for: a build of a million reports would otherwise hold some twenty million. Their count by
    severity is at hand for the lists that show only that."""

    def __init__(self, load: Callable[[], Sequence[Finding]], tally: dict[str, int]):
        self.load = load
        self.tally = tally

    def __len__(self) -> int:
        return sum(self.tally.values())

    def __getitem__(self, i):  # type: ignore[override]
        return self.load()[i]

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.load())


def by_severity(findings: Sequence[Finding]) -> dict[str, int]:
    """How many findings of each severity."""
    kept = getattr(findings, "tally", None)
    return kept if kept is not None else dict(Counter(f.severity for f in findings))


@dataclass
class PublishedReport:
    report: Report
    agency: Agency
    uri: str  # {base}report/{slug}/{year}
    path: str  # "report/{slug}/{year}": the page and RDF files live under it
    findings: Sequence[Finding] = field(default_factory=list)  # violations, warnings and "cannot check" infos
    alternates: list[str] = field(default_factory=list)  # other files of the same report, not used

    @property
    def year(self) -> int:
        return self.report.year  # type: ignore[return-value]

    @property
    def tally(self) -> dict[str, int]:
        return by_severity(self.findings)
