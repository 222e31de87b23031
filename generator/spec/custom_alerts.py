"""Custom alert rules written in the spec: PromQL with `$selector`, the services covered,
and the example every custom alert must carry (docs/alerts.md#custom-alerts)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from generator.spec.alerts import AlertFor
from generator.spec.fields import Duration, Model, Name, within

SELECTOR = "$selector"  # stands for the covered service's selector matchers

AlertName = Annotated[
    str, Field(pattern=r"^[A-Z][A-Za-z0-9]{0,62}$", description="CamelCase alert name.")
]
# promtool's expanding notation, a few segments: `0+100x30`, `5x10`, `1200`, `100-10x5`
Values = Annotated[
    str,
    Field(
        min_length=1,
        max_length=300,
        pattern=r"^\s*-?[0-9]+(\.[0-9]+)?([+-][0-9]+(\.[0-9]+)?)?(x[0-9]{1,4})?"
        r"(\s+-?[0-9]+(\.[0-9]+)?([+-][0-9]+(\.[0-9]+)?)?(x[0-9]{1,4})?){0,19}\s*$",
        description="Samples one scrape interval apart, in promtool's expanding notation: "
        "`a+bxn` is a, a+b, ... (n+1 samples), `axn` holds a, a lone number is one sample.",
    ),
]


class ExampleSeries(Model):
    """One input series of an example, as promtool's `input_series` writes it."""

    series: str = Field(
        min_length=1,
        max_length=500,
        description='The series, e.g. `queue_depth{$selector, queue="payments"}`; '
        "`$selector` stands for the covered service's selector labels.",
    )
    values: Values


class Example(Model):
    """Input under which the alert must fire, and a variation under which it must not."""

    input: tuple[ExampleSeries, ...] = Field(
        min_length=1, max_length=20, description="Series under which the alert fires."
    )
    fires_at: Annotated[Duration, within("1d", "the generated test runs a day at most")] = Field(
        description="Time from the first sample by which every series the expression yields "
        "is firing (at least `for`; the evaluation step rounds it up)."
    )
    silent: tuple[ExampleSeries, ...] = Field(
        min_length=1,
        max_length=20,
        description="The variation: series under which the alert stays silent at `fires_at`.",
    )


class CoverTiers(Model):
    """The services of these tiers."""

    tiers: tuple[Name, ...] = Field(min_length=1, description="Tier names.")


class CoverTeams(Model):
    """The services these teams own."""

    teams: tuple[Name, ...] = Field(min_length=1, description="Team names.")


class CoverServices(Model):
    """These services."""

    services: tuple[Name, ...] = Field(min_length=1, description="Service names.")


Coverage = Literal["all"] | CoverTiers | CoverTeams | CoverServices


class CustomAlert(Model):
    """An alert rule written in PromQL, planned once per covered service."""

    expr: str = Field(
        min_length=1,
        max_length=2000,
        description="PromQL condition; `$selector` (required) becomes the service's selector "
        "matchers, e.g. `max(queue_depth{$selector}) > 1000`. Reads catalogue metrics only.",
    )
    for_: AlertFor = Field(alias="for", description="How long the condition must hold.")
    severity: Literal["critical", "warning", "info"] = Field(description="Alert severity.")
    summary: str = Field(
        min_length=1,
        max_length=300,
        description="One line; may use `{{ $labels.<name> }}` (not `$value`, which the "
        "generated test cannot predict).",
    )
    description: str = Field(
        min_length=1, max_length=1000, description="What it means and what to do first."
    )
    services: Coverage = Field(
        description="Services covered: `all`, `{tiers: [..]}`, `{teams: [..]}` or "
        "`{services: [..]}`."
    )
    runbook: str | None = Field(
        None,
        pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
        description="Runbook anchor (<runbook_url>#<anchor>); default: the alert name in lower.",
    )
    example: Example = Field(description="Required proof: obsgen turns it into promtool tests.")
