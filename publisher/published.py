"""What the publish step hands the site and the dumps: each report with its identity and findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from .agencies import Agency
from .model import Report
from .validate import Finding


@dataclass
class PublishedReport:
    report: Report
    agency: Agency
    uri: str  # {base}report/{slug}/{year}
    path: str  # "report/{slug}/{year}": the page and RDF files live under it
    findings: list[Finding] = field(default_factory=list)  # violations, warnings and "cannot check" infos
    alternates: list[str] = field(default_factory=list)  # other files of the same report, not used

    @property
    def year(self) -> int:
        return self.report.year  # type: ignore[return-value]
