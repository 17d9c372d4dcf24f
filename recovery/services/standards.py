"""Keeping the experience standards and recording mystery-shopper visits."""

from __future__ import annotations

from django.db import transaction

from recovery.models import ExperienceStandard, MysteryScore, MysteryVisit


def standard_save(*, standard: ExperienceStandard | None = None, **fields) -> ExperienceStandard:
    standard = standard or ExperienceStandard()
    for name, value in fields.items():
        setattr(standard, name, value)
    standard.full_clean()
    standard.save()
    return standard


@transaction.atomic
def mystery_visit_record(*, actor, scores, **fields) -> MysteryVisit:
    """One visit and its scores (standard, result, note), stored together or not at all."""
    visit = MysteryVisit(recorded_by=actor, **fields)
    visit.full_clean()
    visit.save()
    MysteryScore.objects.bulk_create(
        MysteryScore(visit=visit, standard=standard, result=result, note=note)
        for standard, result, note in scores
    )
    return visit
